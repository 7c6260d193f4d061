import {
  Ready,
  RunFunctionResponse,
  Severity,
  type Resource,
  type RunFunctionRequest,
} from '@crossplane-org/function-sdk-typescript';
import type { Logger } from 'pino';
import { measureRunFunctionResponse } from './codec.js';
import { composeObjects } from './compose/resources.js';
import {
  planOwnConnection,
  planSharedConnection,
  REMOTE_CLUSTER_REQUIREMENT,
  type ConnectionPlan,
  type ObservedResources,
} from './connection.js';
import { FieldError, formatFieldErrors, isObject } from './errors.js';
import { parseInput, type Settings } from './input.js';
import { planObjects } from './lifecycle.js';
import { composedNames } from './names.js';
import { enforcePolicy, globMatches, tenantOf } from './policy.js';
import { buildCompositeStatus, buildConditions } from './status.js';
import { parseCompositeRef, parseXRSpec, type CompositeRef, type XRSpec } from './xr.js';

/** Interval after which Crossplane calls again when nothing it watches changes. */
const TTL_SECONDS = 60;

/**
 * Compose the connection to the remote cluster and one provider-kubernetes
 * Object (with its Usage) per tenant object of one XR.
 *
 * Bad input never throws: it returns a Fatal result, which makes Crossplane
 * apply nothing, so existing composed resources stay as they are.
 *
 * The server passes a logger already bound to the XR and the request tag.
 */
export async function runFunction(
  req: RunFunctionRequest,
  log: Logger,
): Promise<RunFunctionResponse> {
  const rsp = newResponse(req);

  const xr = req.observed?.composite?.resource;
  const { ref, errors: refErrors } = parseCompositeRef(xr);
  if (ref === undefined || !isObject(xr)) {
    return fatal(
      rsp,
      log,
      `cannot read the observed composite resource: ${formatFieldErrors(refErrors)}`,
    );
  }

  const { settings, errors: inputErrors } = parseInput(req.input);
  if (inputErrors.length > 0) {
    return fatal(rsp, log, `invalid function input: ${formatFieldErrors(inputErrors)}`);
  }
  const namespaced = ref.namespace !== undefined;
  const { spec, errors: specErrors } = parseXRSpec(xr, {
    allowSecretDataInStatus: settings.allowSecretDataInStatus,
    namespaced,
  });
  if (spec === undefined) {
    return fatal(rsp, log, `invalid ${xrIdentity(ref)}: ${formatFieldErrors(specErrors)}`);
  }
  const tenant = tenantOf(xr, ref.namespace, settings.policy);
  const policyErrors = enforcePolicy(spec.objects, { xr, namespaced, tenant }, settings.policy);
  policyErrors.push(...checkRemoteClusterAllowed(spec, tenant, settings));
  if (policyErrors.length > 0) {
    return fatal(
      rsp,
      log,
      `${xrIdentity(ref)} breaks the platform's policy: ${formatFieldErrors(policyErrors)}`,
    );
  }

  const observed = observedResources(req);
  const names = composedNames(ref.name);
  const connection = planConnection(req, rsp, spec, settings, observed, ref);
  const plans = planObjects(spec.objects, observed, connection.state.connected, ref.deleting);
  const objectNamespace = ref.namespace ?? settings.objectNamespace;
  const composed = [
    ...connection.resources,
    ...composeObjects(plans, connection, names, objectNamespace, observed),
  ];

  const desired = rsp.desired?.resources ?? {};
  for (const { key, resource, ready } of composed) {
    if (desired[key] !== undefined) {
      // Taking over the key would silently replace what the earlier step
      // composed. A fresh response drops what this loop already added.
      return fatal(
        newResponse(req),
        log,
        `composed resource key ${JSON.stringify(key)} is already used by an earlier pipeline step; rename that step's resource, because this function composes ${String(resource.kind)} under this key`,
      );
    }
    desired[key] = { resource, connectionDetails: {}, ready };
  }

  const status = buildCompositeStatus(connection.status, plans, names);
  rsp.conditions.push(...buildConditions(connection.state, plans));
  const withheld = plans.filter((p) => !p.compose).length;
  setCompositeStatus(rsp, ref, status, withheld > 0 ? Ready.READY_FALSE : Ready.READY_UNSPECIFIED);

  const tooLarge = checkResponseSize(rsp, spec, settings);
  if (tooLarge !== undefined) {
    return fatal(newResponse(req), log, tooLarge);
  }

  log.debug(
    {
      connection: connection.state.reason,
      objects: plans.length,
      withheld,
      composed: composed.length,
    },
    'composed resources',
  );
  return rsp;
}

/** Plan the connection: the XR's own ClusterAuth, or a shared cluster the platform connects. */
function planConnection(
  req: RunFunctionRequest,
  rsp: RunFunctionResponse,
  spec: XRSpec,
  settings: Settings,
  observed: ObservedResources,
  ref: CompositeRef,
): ConnectionPlan {
  if (spec.remoteClusterRef === undefined) {
    // A namespaced XR's connection lives in its namespace. A cluster-scoped
    // XR may ask for the same namespaced layout beside its Objects.
    const namespace =
      ref.namespace ??
      (settings.objectProviderConfigKind === 'ProviderConfig'
        ? settings.objectNamespace
        : undefined);
    return planOwnConnection(spec.cluster, settings, composedNames(ref.name), observed, namespace);
  }
  const name = spec.remoteClusterRef.name;
  // Ask Crossplane for the platform's XR on every call: the requirements
  // must repeat unchanged for Crossplane to stop calling again.
  rsp.requirements = {
    extraResources: {},
    resources: {
      [REMOTE_CLUSTER_REQUIREMENT]: {
        apiVersion: settings.remoteClusterAPI.apiVersion,
        kind: settings.remoteClusterAPI.kind,
        matchName: name,
      },
    },
    schemas: {},
  };
  const found =
    req.requiredResources[REMOTE_CLUSTER_REQUIREMENT]?.items[0]?.resource ??
    req.extraResources[REMOTE_CLUSTER_REQUIREMENT]?.items[0]?.resource;
  return planSharedConnection(
    name,
    isObject(found) ? found : undefined,
    settings.remoteClusterAPI.kind,
  );
}

/** Check that the policy lists the tenant for the shared remote cluster a namespaced XR names. */
function checkRemoteClusterAllowed(
  spec: XRSpec,
  tenant: string | undefined,
  settings: Settings,
): FieldError[] {
  if (spec.remoteClusterRef === undefined) return [];
  const name = spec.remoteClusterRef.name;
  const rule = settings.policy.remoteClusters.find((c) => c.name === name);
  if (
    rule !== undefined &&
    tenant !== undefined &&
    rule.tenants.some((t) => globMatches(t, tenant))
  ) {
    return [];
  }
  const allowed = settings.policy.remoteClusters
    .filter((c) => tenant !== undefined && c.tenants.some((t) => globMatches(t, tenant)))
    .map((c) => c.name);
  return [
    new FieldError(
      'spec.remoteClusterRef.name',
      'Forbidden',
      `tenant ${tenant ?? '(unknown)'} may not use remote cluster ${name}; it may use: ${allowed.length > 0 ? allowed.join(', ') : 'none'} (input.policy.remoteClusters)`,
      name,
    ),
  ];
}

/**
 * Crossplane refuses a response over its 4 MiB gRPC receive limit with an
 * opaque error, after this function did all its work. Refuse earlier with a
 * message that says what to change. The estimate avoids encoding every
 * response twice: only one that may be near the limit is measured exactly,
 * and the server then sends the bytes measured here.
 */
function checkResponseSize(
  rsp: RunFunctionResponse,
  spec: XRSpec,
  settings: Settings,
): string | undefined {
  const limit = settings.policy.limits.maxResponseBytes;
  // Protobuf Struct encoding adds a few bytes per field over JSON; twice the
  // JSON size, plus room for each Object's wrapper and status, is a safe bound.
  const estimate = spec.objects.reduce((sum, o) => sum + 2 * (o.manifestBytes ?? 0) + 2048, 0);
  if (estimate <= limit) return undefined;
  const bytes = measureRunFunctionResponse(rsp);
  if (bytes <= limit) return undefined;
  return `the response for ${spec.objects.length} objects would be ${bytes} bytes, over the limit of ${limit} (input.policy.limits.maxResponseBytes; Crossplane refuses responses over 4 MiB); split spec.objects across several XRs or shrink the manifests`;
}

/**
 * Start the response from the request: tag, TTL, context and everything
 * earlier pipeline steps desired. The maps are copied, not shared, so adding
 * to the response never changes the request.
 */
function newResponse(req: RunFunctionRequest): RunFunctionResponse {
  return {
    meta: { tag: req.meta?.tag ?? '', ttl: { seconds: TTL_SECONDS, nanos: 0 } },
    desired: {
      composite: req.desired?.composite,
      resources: { ...(req.desired?.resources ?? {}) },
    },
    results: [],
    context: req.context,
    requirements: undefined,
    conditions: [],
  };
}

function fatal(rsp: RunFunctionResponse, log: Logger, message: string): RunFunctionResponse {
  log.info({ reason: message }, 'returning a fatal result');
  rsp.results.push({ severity: Severity.SEVERITY_FATAL, message });
  return rsp;
}

function xrIdentity(ref: CompositeRef): string {
  return ref.namespace === undefined
    ? `${ref.kind} ${ref.name}`
    : `${ref.kind} ${ref.namespace}/${ref.name}`;
}

function observedResources(req: RunFunctionRequest): ObservedResources {
  const observed: Record<string, Record<string, unknown> | undefined> = {};
  for (const [key, value] of Object.entries(req.observed?.resources ?? {})) {
    if (isObject(value.resource)) observed[key] = value.resource;
  }
  return observed;
}

/**
 * Merge this function's status into the desired composite, keeping what
 * earlier steps set. Only status is read back from a desired XR.
 */
function setCompositeStatus(
  rsp: RunFunctionResponse,
  ref: CompositeRef,
  status: object,
  ready: Ready,
): void {
  const earlier: Resource | undefined = rsp.desired?.composite;
  const resource = isObject(earlier?.resource) ? earlier.resource : {};
  const metadata: Record<string, unknown> = { name: ref.name };
  if (ref.namespace !== undefined) metadata.namespace = ref.namespace;
  const composite: Resource = {
    resource: {
      ...resource,
      apiVersion: ref.apiVersion,
      kind: ref.kind,
      metadata: { ...(isObject(resource.metadata) ? resource.metadata : {}), ...metadata },
      status: { ...(isObject(resource.status) ? resource.status : {}), ...status },
    },
    connectionDetails: earlier?.connectionDetails ?? {},
    ready: ready === Ready.READY_UNSPECIFIED ? (earlier?.ready ?? ready) : ready,
  };
  rsp.desired = { composite, resources: rsp.desired?.resources ?? {} };
}

import {
  Ready,
  Severity,
  type Resource,
  type RunFunctionRequest,
  type RunFunctionResponse,
} from '@crossplane-org/function-sdk-typescript';
import type { Logger } from 'pino';
import { composeResources } from './compose/resources.js';
import { formatFieldErrors, isObject, type FieldError } from './errors.js';
import { parseInput } from './input.js';
import { observeConnection, planObjects, type ObservedResources } from './lifecycle.js';
import { composedNames } from './names.js';
import { buildCompositeStatus, buildConditions } from './status.js';
import { parseCompositeRef, parseRemoteClusterSpec, type CompositeRef } from './xr.js';

/** How soon Crossplane calls again when nothing it watches changes. */
const TTL_SECONDS = 60;

/**
 * Compose the ClusterAuth, ClusterProviderConfig, Objects and Usages for one
 * XR.
 *
 * Bad input never throws: it returns a Fatal result, which makes Crossplane
 * apply nothing, so existing composed resources stay as they are.
 */
export async function runFunction(
  req: RunFunctionRequest,
  log: Logger,
): Promise<RunFunctionResponse> {
  const rsp = newResponse(req);

  const xrResource = req.observed?.composite?.resource;
  const { ref, errors: refErrors } = parseCompositeRef(xrResource);
  if (ref === undefined || !isObject(xrResource)) {
    return fatal(
      rsp,
      log,
      `cannot read the observed composite resource: ${formatFieldErrors(refErrors)}`,
    );
  }
  const xrLog = log.child({ xr: xrIdentity(ref), tag: req.meta?.tag ?? '' });

  const { settings, errors: inputErrors } = parseInput(req.input);
  if (inputErrors.length > 0) {
    return fatal(rsp, xrLog, `invalid function input: ${formatFieldErrors(inputErrors)}`);
  }
  const { spec, errors: specErrors } = parseRemoteClusterSpec(xrResource, {
    allowSecretDataInStatus: settings.allowSecretDataInStatus,
  });
  if (spec === undefined) {
    return fatal(rsp, xrLog, invalidXRMessage(ref, specErrors));
  }

  const observed = observedResources(req);
  const names = composedNames(ref.name);
  const connection = observeConnection(observed);
  const plans = planObjects(spec.objects, observed, connection, ref.deleting);
  const composed = composeResources(spec, settings, names, plans, observed);

  const desired = rsp.desired?.resources ?? {};
  for (const { key, resource, ready } of composed) {
    if (desired[key] !== undefined) {
      // Taking over the key would silently replace what the earlier step composed.
      return fatal(
        rsp,
        xrLog,
        `composed resource key ${JSON.stringify(key)} is already used by an earlier pipeline step; rename that step's resource, because this function composes ${resource.kind as string} under this key`,
      );
    }
    desired[key] = { resource, connectionDetails: {}, ready };
  }

  const status = buildCompositeStatus(spec.cluster, settings, names, connection, plans);
  rsp.conditions.push(...buildConditions(status, plans));
  const withheld = plans.filter((p) => !p.compose).length;
  setCompositeStatus(rsp, ref, status, withheld > 0 ? Ready.READY_FALSE : Ready.READY_UNSPECIFIED);

  xrLog.debug(
    {
      connection: connection.phase,
      objects: plans.length,
      withheld,
      composed: composed.length,
    },
    'composed resources',
  );
  return rsp;
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

function invalidXRMessage(ref: CompositeRef, errors: readonly FieldError[]): string {
  return `invalid ${xrIdentity(ref)}: ${formatFieldErrors(errors)}`;
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

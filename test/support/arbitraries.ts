import {
  Ready,
  type Resource,
  type RunFunctionRequest,
} from '@crossplane-org/function-sdk-typescript';
import fc from 'fast-check';
import { defaultObjectKey } from '../../src/objects.js';

/**
 * fast-check generators of RunFunctionRequests for the wire-level fuzz test:
 * valid requests for the three kinds of XR the examples show, and mutations
 * that break them in random places.
 */

export type Json = null | boolean | number | string | Json[] | JsonObject;
export interface JsonObject {
  [key: string]: Json;
}

/**
 * The JSON parts of a request, kept as one tree so that a mutation can reach
 * any field of any part. `toRequest` turns it into the message sent.
 */
export interface RequestDoc {
  tag: string;
  body: {
    /** The observed XR. */
    xr?: Json;
    /** Observed composed resources by key. */
    observed?: Json;
    /** Desired composed resources from earlier pipeline steps, by key. */
    desired?: Json;
    /** Desired XR from earlier pipeline steps. */
    composite?: Json;
    input?: Json;
    context?: Json;
    /** requiredResources: lists of resources by requirement name. */
    required?: Json;
    /** The legacy extraResources, shaped like required. */
    extra?: Json;
  };
  /** Readiness of the earlier steps' desired resources, by key. */
  ready: Record<string, Ready>;
}

const INPUT_API_VERSION = 'remoteeks.fn.crossplane.io/v1alpha1';
const XR_API_VERSION = 'remote.example.org/v1alpha1';
const OBJECT_API_VERSION = 'kubernetes.m.crossplane.io/v1alpha1';

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Sets a key as an own property. Plain assignment of `__proto__` would
 * change the prototype instead of adding a field.
 */
function defineKey(target: JsonObject, key: string, value: Json): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    configurable: true,
    writable: true,
  });
}

// ---------------------------------------------------------------------------
// Names and small values

const shortLabel = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,10}[a-z0-9])?$/);
/** Labels of 40 to 63 characters, where truncation and slow matching show. */
const longLabel = fc.stringMatching(/^[a-z]([-a-z0-9]{38,61}[a-z0-9])$/);
/** Labels of the longest length that repeat the characters patterns are made of. */
const repetitiveLabel = fc.constantFrom('a'.repeat(63), `${'a-'.repeat(31)}a`);
export const label = fc.oneof(
  { weight: 8, arbitrary: shortLabel },
  { weight: 2, arbitrary: longLabel },
  { weight: 1, arbitrary: repetitiveLabel },
);
const subdomain = fc
  .array(fc.oneof(shortLabel, longLabel), { minLength: 1, maxLength: 5 })
  .map((parts) => parts.join('.'))
  .filter((name) => name.length <= 253);
const eksClusterName = fc.stringMatching(/^[0-9A-Za-z][A-Za-z0-9_-]{0,30}$/);
const region = fc.constantFrom('eu-west-2', 'us-east-1', 'ap-southeast-2', 'us-gov-west-1');
const uid = fc.uuid();

/**
 * Keys of generated objects, without `__proto__`.
 *
 * NOTE: the SDK 0.7.0 decodes Struct fields and map entries with
 * `object[key] =`, so a `__proto__` key anywhere in a request, such as a
 * ConfigMap data key, is lost before the handler runs. The fix belongs in the
 * SDK, and until then the fuzz test would report every such request.
 */
const safeKey = fc.oneof(
  fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9_.-]{0,12}$/),
  fc.string({ maxLength: 12 }).filter((key) => key !== '__proto__'),
);

function jsonOf(key: fc.Arbitrary<string>, maxDepth: number): fc.Arbitrary<Json> {
  const { value } = fc.letrec<{ value: Json }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', maxDepth },
      fc.string({ maxLength: 20 }),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.array(tie('value'), { maxLength: 3 }),
      fc.dictionary(key, tie('value'), { maxKeys: 4, noNullPrototype: true }),
    ),
  }));
  return value;
}

const plainJson = jsonOf(safeKey, 3);
const plainObject = fc.dictionary(safeKey, plainJson, { maxKeys: 4, noNullPrototype: true });

// ---------------------------------------------------------------------------
// Tenant objects

/** Kinds the default policy allows, with their apiVersion. */
const TENANT_KINDS = [
  ['v1', 'ConfigMap'],
  ['v1', 'Secret'],
  ['v1', 'Service'],
  ['v1', 'ServiceAccount'],
  ['v1', 'PersistentVolumeClaim'],
  ['apps/v1', 'Deployment'],
  ['apps/v1', 'StatefulSet'],
  ['apps/v1', 'DaemonSet'],
  ['batch/v1', 'Job'],
  ['batch/v1', 'CronJob'],
  ['rbac.authorization.k8s.io/v1', 'Role'],
  ['rbac.authorization.k8s.io/v1', 'RoleBinding'],
  ['networking.k8s.io/v1', 'Ingress'],
  ['networking.k8s.io/v1', 'NetworkPolicy'],
  ['autoscaling/v2', 'HorizontalPodAutoscaler'],
  ['policy/v1', 'PodDisruptionBudget'],
] as const;

const dataKey = fc.stringMatching(/^[-._a-zA-Z0-9]{1,16}$/).filter((key) => key !== '__proto__');

/** Paths statusFields may read; only metadata.labels is allowed on a Secret by default. */
const STATUS_PATHS = [
  'status.loadBalancer.ingress[0].hostname',
  'metadata.annotations[example.org/owner]',
  'spec.replicas',
  'status.readyReplicas',
  'metadata.labels.app',
];

/** Per-object options; readOnly and managementPolicies are never contradictory. */
const objectOptions = fc
  .record(
    {
      readOnly: fc.boolean(),
      managementPolicies: fc.subarray(
        ['*', 'Observe', 'Create', 'Update', 'Delete', 'LateInitialize'],
        {
          minLength: 1,
        },
      ),
      readiness: fc.oneof(
        fc.record({ policy: fc.constantFrom('SuccessfulCreate', 'DeriveFromObject', 'AllTrue') }),
        fc.record({
          policy: fc.constant('DeriveFromCelQuery'),
          celQuery: fc.constant('object.status.readyReplicas == object.spec.replicas'),
        }),
      ),
      statusFields: fc.uniqueArray(
        fc.record({
          name: fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,10}$/),
          path: fc.constantFrom(...STATUS_PATHS),
        }),
        { selector: (field) => field.name, maxLength: 3 },
      ),
    },
    { requiredKeys: [] },
  )
  .map((options): JsonObject => {
    const result: JsonObject = { ...options };
    if (options.readOnly === true) delete result.managementPolicies;
    return result;
  });

const condition = fc.record(
  {
    type: fc.constantFrom('Ready', 'Synced', 'ClusterConnected', 'Healthy'),
    status: fc.constantFrom('True', 'False', 'Unknown'),
    reason: fc.constantFrom('Available', 'Creating', 'ReconcileError', 'ReconcileSuccess'),
    message: fc.oneof(
      fc.string({ maxLength: 60 }),
      fc.constantFrom(
        'Unauthorized',
        'cannot get credentials secret: not found',
        'forbidden: User "system:anonymous" cannot create resource',
      ),
    ),
    lastTransitionTime: fc.constant('2026-12-04T10:00:00Z'),
  },
  { requiredKeys: ['type', 'status'] },
);
const conditions = fc.array(condition, { maxLength: 3 });

/** What Crossplane observed of one tenant object's Object and Usage. */
interface ObservedTenantState {
  object?: { conditions: JsonObject[]; remoteStatus: JsonObject };
  usage: boolean;
}

const observedTenantState: fc.Arbitrary<ObservedTenantState> = fc.record(
  {
    object: fc.record({ conditions, remoteStatus: plainObject }),
    usage: fc.boolean(),
  },
  { requiredKeys: ['usage'] },
);

/**
 * Namespace of a tenant object in a namespaced XR, which the XR's own
 * namespace replaces once it is generated.
 */
const OWN_NAMESPACE = '<own>';

/** A tenant object as generated, before the namespace of a namespaced XR is known. */
interface TenantSketch {
  kind: readonly [string, string];
  name: string;
  /** Undefined leaves metadata.namespace out. */
  namespace: string | undefined;
  key?: string | undefined;
  labels?: JsonObject;
  configData: JsonObject;
  secretData: JsonObject;
  spec: JsonObject;
  options: JsonObject;
  observed: ObservedTenantState;
}

/** A tenant object as spec.objects lists it, with its key and what was observed of its Object. */
interface TenantEntry {
  entry: JsonObject;
  /** Explicit, or derived as the function derives it. */
  key: string;
  observed: ObservedTenantState;
}

function tenantSketch(namespace: fc.Arbitrary<string | undefined>): fc.Arbitrary<TenantSketch> {
  return fc.record(
    {
      kind: fc.constantFrom(...TENANT_KINDS),
      name: subdomain,
      namespace,
      key: label,
      labels: fc.dictionary(shortLabel, shortLabel, { maxKeys: 2, noNullPrototype: true }),
      configData: fc.dictionary(dataKey, fc.string({ maxLength: 40 }), {
        maxKeys: 3,
        noNullPrototype: true,
      }),
      secretData: fc.dictionary(dataKey, fc.base64String({ maxLength: 40 }), {
        maxKeys: 3,
        noNullPrototype: true,
      }),
      spec: plainObject,
      options: objectOptions,
      observed: observedTenantState,
    },
    {
      requiredKeys: [
        'kind',
        'name',
        'namespace',
        'configData',
        'secretData',
        'spec',
        'options',
        'observed',
      ],
    },
  );
}

function sketchKey(sketch: TenantSketch, namespace: string | undefined): string {
  if (sketch.key !== undefined) return sketch.key;
  const kind = sketch.kind[1];
  return defaultObjectKey(
    namespace === undefined ? { kind, name: sketch.name } : { kind, name: sketch.name, namespace },
  );
}

/**
 * Tenant objects with unique keys and unique remote objects, as a valid XR
 * needs. Two objects never share kind and name, even in different
 * namespaces, which is stricter than the function's check.
 */
function tenantSketches(namespace: fc.Arbitrary<string | undefined>): fc.Arbitrary<TenantSketch[]> {
  return fc
    .uniqueArray(tenantSketch(namespace), {
      selector: (sketch) => sketchKey(sketch, sketch.namespace),
      maxLength: 6,
    })
    .filter(
      (sketches) =>
        new Set(sketches.map((sketch) => `${sketch.kind.join('/')}/${sketch.name}`)).size ===
        sketches.length,
    );
}

/**
 * Builds the spec.objects entry of a sketch. `own` replaces the own-namespace
 * placeholder, and also fills in a missing namespace unless the policy sets a
 * default one.
 */
function finishEntry(sketch: TenantSketch, own = '', defaultNamespace = false): TenantEntry {
  const [apiVersion, kind] = sketch.kind;
  let namespace = sketch.namespace === OWN_NAMESPACE ? own : sketch.namespace;
  if (namespace === undefined && !defaultNamespace) namespace = own;
  const metadata: JsonObject = { name: sketch.name };
  if (namespace !== undefined) metadata.namespace = namespace;
  if (sketch.labels !== undefined) metadata.labels = sketch.labels;
  const manifest: JsonObject = { apiVersion, kind, metadata };
  if (kind === 'ConfigMap') manifest.data = sketch.configData;
  else if (kind === 'Secret') manifest.data = sketch.secretData;
  else manifest.spec = sketch.spec;
  const entry: JsonObject = { ...sketch.options, manifest };
  if (kind === 'Secret' && Array.isArray(entry.statusFields)) {
    // Without the platform's allowance a Secret's status fields may only read
    // metadata that never carries its data, such as labels.
    entry.statusFields = (entry.statusFields as JsonObject[]).filter((field) =>
      String(field.path).startsWith('metadata.labels'),
    );
  }
  if (sketch.key !== undefined) entry.key = sketch.key;
  return { entry, key: sketchKey(sketch, namespace), observed: sketch.observed };
}

// ---------------------------------------------------------------------------
// Observed state

function observedObject(
  xrName: string,
  entry: TenantEntry,
  namespace: string,
): JsonObject | undefined {
  const state = entry.observed.object;
  if (state === undefined) return undefined;
  const manifest = entry.entry.manifest as JsonObject;
  return {
    apiVersion: OBJECT_API_VERSION,
    kind: 'Object',
    metadata: {
      name: `${xrName}-${entry.key}`.slice(0, 63),
      namespace,
      uid: '00000000-0000-4000-8000-000000000010',
      resourceVersion: '7',
      creationTimestamp: '2026-12-04T10:00:00Z',
    },
    spec: {
      forProvider: { manifest },
      providerConfigRef: { kind: 'ClusterProviderConfig', name: xrName.slice(0, 63) },
    },
    status: {
      conditions: state.conditions,
      atProvider: { manifest: { ...manifest, status: state.remoteStatus } },
    },
  };
}

function observedUsage(namespace: string, of: JsonObject): JsonObject {
  return {
    apiVersion: 'protection.crossplane.io/v1beta1',
    kind: 'Usage',
    metadata: { name: 'usage', namespace, uid: '00000000-0000-4000-8000-000000000011' },
    spec: {
      of,
      by: { apiVersion: OBJECT_API_VERSION, kind: 'Object', resourceRef: { name: 'object' } },
      replayDeletion: true,
    },
    status: { conditions: [{ type: 'Ready', status: 'True', reason: 'Available' }] },
  };
}

/** Observed Objects and Usages of the tenant objects, keyed as the function keys them. */
function observedTenants(
  xrName: string,
  entries: TenantEntry[],
  namespace: string,
  usageOf: JsonObject,
): JsonObject {
  const observed: JsonObject = {};
  for (const entry of entries) {
    const object = observedObject(xrName, entry, namespace);
    if (object === undefined) continue;
    observed[`object-${entry.key}`] = object;
    if (entry.observed.usage) observed[`usage-${entry.key}`] = observedUsage(namespace, usageOf);
  }
  return observed;
}

/** What was observed of the XR's own connection: ClusterAuth, provider config and their Usage. */
const ownConnection = fc.record(
  {
    clusterAuth: fc.record(
      { conditions, lastRefreshTime: fc.constant('2026-12-04T10:01:00Z') },
      { requiredKeys: ['conditions'] },
    ),
    providerConfig: fc.constant(true),
    usage: fc.constant(true),
  },
  { requiredKeys: [] },
);

function observedConnection(state: {
  clusterAuth?: { conditions: JsonObject[]; lastRefreshTime?: string };
  providerConfig?: boolean;
  usage?: boolean;
}): JsonObject {
  const observed: JsonObject = {};
  if (state.clusterAuth !== undefined) {
    const status: JsonObject = { conditions: state.clusterAuth.conditions };
    if (state.clusterAuth.lastRefreshTime !== undefined) {
      status.atProvider = { lastRefreshTime: state.clusterAuth.lastRefreshTime };
    }
    observed['cluster-auth'] = {
      apiVersion: 'eks.aws.upbound.io/v1beta1',
      kind: 'ClusterAuth',
      metadata: { name: 'cluster-auth', uid: '00000000-0000-4000-8000-000000000004' },
      status,
    };
  }
  if (state.providerConfig === true) {
    observed['provider-config'] = {
      apiVersion: OBJECT_API_VERSION,
      kind: 'ClusterProviderConfig',
      metadata: { name: 'provider-config', uid: '00000000-0000-4000-8000-000000000002' },
    };
  }
  if (state.usage === true) {
    observed['cluster-auth-usage'] = {
      apiVersion: 'protection.crossplane.io/v1beta1',
      kind: 'ClusterUsage',
      metadata: { name: 'cluster-auth-usage' },
    };
  }
  return observed;
}

// ---------------------------------------------------------------------------
// Earlier pipeline steps

/** Desired resources of earlier steps, under keys this function never uses. */
const earlierDesired = fc.dictionary(
  shortLabel.map((key) => `earlier-${key}`),
  fc.record({
    resource: fc.record({
      apiVersion: fc.constant('v1'),
      kind: fc.constant('ConfigMap'),
      metadata: fc.record({ name: subdomain, namespace: shortLabel }),
      data: fc.dictionary(dataKey, fc.string({ maxLength: 30 }), {
        maxKeys: 3,
        noNullPrototype: true,
      }),
    }),
    ready: fc.constantFrom(Ready.READY_UNSPECIFIED, Ready.READY_TRUE, Ready.READY_FALSE),
  }),
  { maxKeys: 3, noNullPrototype: true },
);

const earlierComposite = fc.option(
  fc.record({
    apiVersion: fc.constant(XR_API_VERSION),
    kind: fc.constant('RemoteCluster'),
    status: fc.record({ fromEarlierStep: fc.string({ maxLength: 10 }) }),
  }),
  { nil: undefined },
);

const pipelineContext = fc.oneof(
  fc.constant({}),
  fc.record({ 'apiextensions.crossplane.io/environment': plainObject }),
);

const tag = fc.oneof(fc.uuid(), fc.string({ unit: 'binary', maxLength: 24 }));

function docOf(parts: {
  tag: string;
  xr: JsonObject;
  observed: JsonObject;
  earlier: Record<string, { resource: JsonObject; ready: Ready }>;
  composite: JsonObject | undefined;
  input: JsonObject | undefined;
  context: JsonObject;
  required?: JsonObject;
  extra?: JsonObject;
}): RequestDoc {
  const desired: JsonObject = {};
  const ready: Record<string, Ready> = {};
  for (const [key, value] of Object.entries(parts.earlier)) {
    desired[key] = value.resource;
    ready[key] = value.ready;
  }
  const body: RequestDoc['body'] = {
    xr: parts.xr,
    observed: parts.observed,
    desired,
    context: parts.context,
    required: parts.required ?? {},
    extra: parts.extra ?? {},
  };
  if (parts.composite !== undefined) body.composite = parts.composite;
  if (parts.input !== undefined) body.input = parts.input;
  return { tag: parts.tag, body, ready };
}

// ---------------------------------------------------------------------------
// Valid requests

const deletionTimestamp = fc.option(fc.constant('2026-12-04T11:00:00Z'), { nil: undefined });

function xrMetadata(
  name: string,
  namespace: string | undefined,
  deleting: string | undefined,
  id: string,
) {
  const metadata: JsonObject = { name, uid: id };
  if (namespace !== undefined) metadata.namespace = namespace;
  if (deleting !== undefined) metadata.deletionTimestamp = deleting;
  return metadata;
}

/** Inputs of a Composition for the cluster-scoped RemoteCluster; all of them valid. */
const clusterScopedInput = fc.oneof(
  fc.constant(undefined),
  fc.constant({}),
  fc
    .record(
      {
        clusterAuth: fc.record(
          {
            apiVersion: fc.constantFrom(
              'eks.aws.upbound.io/v1beta1',
              'eks.aws.m.upbound.io/v1beta1',
            ),
            providerConfigRef: fc.record(
              {
                name: shortLabel,
                kind: fc.constantFrom('ProviderConfig', 'ClusterProviderConfig'),
              },
              { requiredKeys: ['name'] },
            ),
          },
          { requiredKeys: [] },
        ),
        connectionSecret: fc.record({ namespace: label }),
        objects: fc.record({ namespace: label }),
        status: fc.record({ allowSecretData: fc.boolean() }),
      },
      { requiredKeys: [] },
    )
    .map((fields): JsonObject => ({ apiVersion: INPUT_API_VERSION, kind: 'Input', ...fields })),
);

/** The example RemoteCluster XR with random tenant objects and observed state. */
const remoteClusterRequest: fc.Arbitrary<RequestDoc> = fc
  .record({
    tag,
    name: fc.oneof(fc.constant('tfc-cluster12'), subdomain),
    uid,
    deleting: deletionTimestamp,
    cluster: fc.record({ name: eksClusterName, region }),
    sketches: tenantSketches(label),
    namespaceObjects: fc.boolean(),
    input: clusterScopedInput,
    connection: ownConnection,
    earlier: earlierDesired,
    composite: earlierComposite,
    context: pipelineContext,
  })
  .map((r) => {
    const entries = r.sketches.map((sketch) => finishEntry(sketch));
    const objects: Json[] = entries.map((t) => t.entry);
    let input = r.input as JsonObject | undefined;
    if (r.namespaceObjects && entries.length > 0) {
      // A Namespace object for the first object's namespace, which the
      // other objects in it wait for; the platform must allow the kind.
      const namespace = r.sketches[0]!.namespace!;
      objects.unshift({
        key: 'ns-created-by-xr',
        manifest: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
      });
      input = {
        ...(input ?? {}),
        apiVersion: INPUT_API_VERSION,
        kind: 'Input',
        policy: { kinds: { clusterScoped: ['Namespace'] } },
      };
    }
    const objectNamespace =
      isJsonObject(input?.objects) && typeof input.objects.namespace === 'string'
        ? input.objects.namespace
        : 'crossplane-system';
    const usageOf = {
      apiVersion: 'v1',
      kind: 'Secret',
      resourceRef: { name: `${r.name}-connection`.slice(0, 63), namespace: 'crossplane-system' },
    };
    return docOf({
      tag: r.tag,
      xr: {
        apiVersion: XR_API_VERSION,
        kind: 'RemoteCluster',
        metadata: xrMetadata(r.name, undefined, r.deleting, r.uid),
        spec: { cluster: r.cluster, objects },
      },
      observed: {
        ...observedConnection(r.connection),
        ...observedTenants(r.name, entries, objectNamespace, usageOf),
      },
      earlier: r.earlier,
      composite: r.composite,
      input,
      context: r.context,
    });
  });

/** The platform's RemoteCluster XR, as Crossplane returns it for spec.remoteClusterRef. */
const platformRemoteCluster = fc.record(
  {
    conditions: fc.array(
      fc.record({
        type: fc.constant('ClusterConnected'),
        status: fc.constantFrom('True', 'False'),
        reason: fc.constantFrom('Connected', 'ClusterAuthNotReady'),
        message: fc.string({ maxLength: 40 }),
      }),
      { maxLength: 1 },
    ),
    providerConfig: fc.record({ name: subdomain }),
    secret: fc.record({ name: subdomain, namespace: label }),
    via: fc.constantFrom('required', 'extra'),
  },
  { requiredKeys: ['conditions', 'via'] },
);

/** A tenant's namespaced RemoteObjects XR on a shared cluster, with the platform XR found or not. */
const sharedClusterRequest: fc.Arbitrary<RequestDoc> = fc
  .record({
    tag,
    name: fc.oneof(fc.constant('app'), subdomain),
    tenant: label,
    uid,
    deleting: deletionTimestamp,
    cluster: subdomain,
    defaultNamespace: fc.boolean(),
    tenantPattern: fc.constantFrom('exact', 'any', 'prefix'),
    sketches: tenantSketches(fc.constantFrom(OWN_NAMESPACE, undefined)),
    remote: fc.option(platformRemoteCluster, { nil: undefined }),
    earlier: earlierDesired,
    composite: earlierComposite,
    context: pipelineContext,
  })
  .map((r) => {
    const entries = r.sketches.map((sketch) => finishEntry(sketch, r.tenant, r.defaultNamespace));
    const tenants =
      r.tenantPattern === 'exact'
        ? [r.tenant]
        : r.tenantPattern === 'any'
          ? ['*']
          : [`${r.tenant.slice(0, 1)}*`];
    const remoteNamespaces: JsonObject = r.defaultNamespace
      ? { allowed: ['{{tenant}}'], default: '{{tenant}}' }
      : {};
    const input: JsonObject = {
      apiVersion: INPUT_API_VERSION,
      kind: 'Input',
      policy: { remoteClusters: [{ name: r.cluster, tenants }], remoteNamespaces },
    };
    const lists: { required: JsonObject; extra: JsonObject } = { required: {}, extra: {} };
    if (r.remote !== undefined) {
      const connection: JsonObject = {};
      if (r.remote.providerConfig !== undefined)
        connection.providerConfig = r.remote.providerConfig;
      if (r.remote.secret !== undefined) connection.secret = r.remote.secret;
      const platformXR: JsonObject = {
        apiVersion: XR_API_VERSION,
        kind: 'RemoteCluster',
        metadata: { name: r.cluster },
        status: { conditions: r.remote.conditions, connection },
      };
      lists[r.remote.via]['remote-cluster'] = [platformXR];
    }
    const usageOf = {
      apiVersion: 'v1',
      kind: 'Secret',
      resourceRef: { name: `${r.cluster}-connection`.slice(0, 63), namespace: 'crossplane-system' },
    };
    return docOf({
      tag: r.tag,
      xr: {
        apiVersion: XR_API_VERSION,
        kind: 'RemoteObjects',
        metadata: xrMetadata(r.name, r.tenant, r.deleting, r.uid),
        spec: { remoteClusterRef: { name: r.cluster }, objects: entries.map((t) => t.entry) },
      },
      observed: observedTenants(r.name, entries, r.tenant, usageOf),
      earlier: r.earlier,
      composite: r.composite,
      input,
      context: r.context,
      ...lists,
    });
  });

/** A tenant's namespaced TenantRemoteCluster XR that signs in to a cluster of its own. */
const tenantClusterRequest: fc.Arbitrary<RequestDoc> = fc
  .record({
    tag,
    name: fc.oneof(fc.constant('app'), subdomain),
    tenant: label,
    uid,
    deleting: deletionTimestamp,
    cluster: fc.record(
      {
        name: eksClusterName,
        region,
        providerConfigRef: fc.record({ name: shortLabel, kind: fc.constant('ProviderConfig') }),
      },
      { requiredKeys: ['name', 'region'] },
    ),
    sketches: tenantSketches(fc.constant(OWN_NAMESPACE)),
    connection: ownConnection,
    earlier: earlierDesired,
    composite: earlierComposite,
    context: pipelineContext,
  })
  .map((r) => {
    const entries = r.sketches.map((sketch) => finishEntry(sketch, r.tenant));
    const usageOf = {
      apiVersion: OBJECT_API_VERSION,
      kind: 'ProviderConfig',
      resourceRef: { name: r.name.slice(0, 63), namespace: r.tenant },
    };
    return docOf({
      tag: r.tag,
      xr: {
        apiVersion: XR_API_VERSION,
        kind: 'TenantRemoteCluster',
        metadata: xrMetadata(r.name, r.tenant, r.deleting, r.uid),
        spec: { cluster: r.cluster, objects: entries.map((t) => t.entry) },
      },
      observed: {
        ...observedConnection(r.connection),
        ...observedTenants(r.name, entries, r.tenant, usageOf),
      },
      earlier: r.earlier,
      composite: r.composite,
      input: undefined,
      context: r.context,
    });
  });

/** Valid requests: every one should compose without a Fatal result. */
export const validRequest: fc.Arbitrary<RequestDoc> = fc.oneof(
  remoteClusterRequest,
  sharedClusterRequest,
  tenantClusterRequest,
);

// ---------------------------------------------------------------------------
// Mutations

/** Nested objects and lists `depth` levels deep. */
export function nested(depth: number): Json {
  let value: Json = 'leaf';
  for (let i = 0; i < depth; i += 1) value = i % 3 === 2 ? [value] : { nested: value };
  return value;
}

/** Keys a mutation inserts: fields the function reads, its own resource keys, and random ones. */
const mutationKey = fc.oneof(
  fc.constantFrom(
    'status',
    'metadata',
    'spec',
    'name',
    'namespace',
    'managedFields',
    'resourceVersion',
    'uid',
    'creationTimestamp',
    'deletionTimestamp',
    'objects',
    'cluster',
    'remoteClusterRef',
    'manifest',
    'key',
    'readOnly',
    'statusFields',
    'conditions',
    'data',
    'constructor',
    'toString',
    'cluster-auth',
    'provider-config',
    'cluster-auth-usage',
    'remote-cluster',
  ),
  safeKey,
);

/** Values that do not belong: wrong types, nulls, huge strings, deep nesting and odd text. */
const mutationValue: fc.Arbitrary<Json> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom<Json>(
      null,
      true,
      false,
      0,
      -1,
      1.5,
      -0,
      1e308,
      Number.MAX_SAFE_INTEGER,
      '',
      ' ',
      'True',
      'False',
      '*',
      '{{tenant}}',
      '..',
      '[',
      'A'.repeat(64),
      'a'.repeat(64),
      'a'.repeat(254),
      'kube-system',
      'v1',
      'Namespace',
      'ClusterRoleBinding',
      'Ready',
      'eks.aws.m.upbound.io/v1beta1',
      'ClusterProviderConfig',
      'Observe',
      'Ä',
      'İ',
      '🙂',
      '\u0000',
      '\u202e',
      [],
      {},
    ),
  },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 2, arbitrary: fc.double() },
  { weight: 2, arbitrary: jsonOf(safeKey, 3) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 80 }).map(nested) },
  { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 300_000 }).map((n) => 'x'.repeat(n)) },
);

export interface Mutation {
  /** Index of the field to change, modulo the number of fields. */
  at: number;
  op: 'delete' | 'replace' | 'insert';
  key: string;
  value: Json;
}

const mutation: fc.Arbitrary<Mutation> = fc.record({
  at: fc.nat(),
  op: fc.constantFrom('delete', 'replace', 'insert'),
  key: mutationKey,
  value: mutationValue,
});

type Path = (string | number)[];

/** Paths of every field in the tree, depth first, at most `limit` of them. */
function listPaths(root: JsonObject, limit = 5_000): Path[] {
  const paths: Path[] = [];
  const stack: [Json, Path][] = Object.entries(root)
    .reverse()
    .map(([key, value]) => [value, [key]]);
  for (let item = stack.pop(); item !== undefined && paths.length < limit; item = stack.pop()) {
    const [value, path] = item;
    paths.push(path);
    const children: [string | number, Json][] = Array.isArray(value)
      ? value.map((child, i) => [i, child])
      : isJsonObject(value)
        ? Object.entries(value)
        : [];
    for (const [key, child] of children.reverse()) stack.push([child, [...path, key]]);
  }
  return paths;
}

function childOf(parent: Json, key: string | number): Json | undefined {
  if (Array.isArray(parent) && typeof key === 'number') return parent[key];
  if (isJsonObject(parent) && typeof key === 'string') return parent[key];
  return undefined;
}

function setChild(parent: Json, key: string | number, value: Json): void {
  if (Array.isArray(parent) && typeof key === 'number') parent[key] = value;
  else if (isJsonObject(parent) && typeof key === 'string') defineKey(parent, key, value);
}

function removeChild(parent: Json, key: string | number): void {
  if (Array.isArray(parent) && typeof key === 'number') parent.splice(key, 1);
  else if (isJsonObject(parent) && typeof key === 'string') Reflect.deleteProperty(parent, key);
}

/** Applies one mutation in place. */
function applyMutation(root: JsonObject, m: Mutation): void {
  const paths = listPaths(root);
  const path = paths[m.at % paths.length];
  if (path === undefined) return;
  let parent: Json = root;
  for (const key of path.slice(0, -1)) parent = childOf(parent, key) ?? null;
  const last = path[path.length - 1]!;
  const target = childOf(parent, last);
  switch (m.op) {
    case 'delete':
      removeChild(parent, last);
      break;
    case 'replace':
      setChild(parent, last, cloneJson(m.value));
      break;
    case 'insert':
      if (isJsonObject(target)) defineKey(target, m.key, cloneJson(m.value));
      else if (Array.isArray(target)) target.push(cloneJson(m.value));
      else {
        const wrapper: JsonObject = {};
        defineKey(wrapper, m.key, cloneJson(m.value));
        setChild(parent, last, wrapper);
      }
      break;
  }
}

/** Copies JSON, keeping every key as an own property. */
function cloneJson(value: Json): Json {
  if (Array.isArray(value)) return value.map(cloneJson);
  if (!isJsonObject(value)) return value;
  const copy: JsonObject = {};
  for (const [key, child] of Object.entries(value)) defineKey(copy, key, cloneJson(child));
  return copy;
}

/** Function inputs that are wrong in random ways, malformed policies among them. */
const namespacePattern = fc.oneof(
  label,
  fc.constantFrom(
    '*',
    '{{tenant}}',
    '{{tenant}}-*',
    '{{ spec.tenant }}',
    'Team-*',
    '',
    '{{',
    '{{ spec..x }}',
  ),
  fc
    .array(fc.constantFrom('*', 'a', '-', '{{tenant}}'), { maxLength: 14 })
    .map((parts) => parts.join('')),
);
const kindPattern = fc.constantFrom(
  '*',
  'ConfigMap',
  'Secret',
  '*.apps',
  'Deployment.apps',
  'Namespace',
  'apps/v1/Deployment',
  'ClusterRole.rbac.authorization.k8s.io',
  '*.*',
  'configmap',
);
const policy = fc.record(
  {
    tenantFieldPath: fc.constantFrom(
      'metadata.name',
      'spec.tenant',
      'spec..x',
      '',
      'metadata.labels[team]',
      '[',
    ),
    remoteNamespaces: fc.record(
      {
        allowed: fc.array(namespacePattern, { maxLength: 3 }),
        perTenant: fc.array(
          fc.record({ tenant: label, namespaces: fc.array(namespacePattern, { maxLength: 2 }) }),
          { maxLength: 2 },
        ),
        default: namespacePattern,
      },
      { requiredKeys: [] },
    ),
    kinds: fc.record(
      {
        allowed: fc.array(kindPattern, { maxLength: 3 }),
        denied: fc.array(kindPattern, { maxLength: 2 }),
        clusterScoped: fc.array(kindPattern, { maxLength: 2 }),
      },
      { requiredKeys: [] },
    ),
    limits: fc.record(
      {
        maxObjects: fc.integer({ min: -1, max: 10 }),
        maxManifestBytes: fc.integer({ min: 0, max: 5_000 }),
        maxManifestDepth: fc.integer({ min: 0, max: 60 }),
        maxResponseBytes: fc.integer({ min: 1_000, max: 5_000_000 }),
      },
      { requiredKeys: [] },
    ),
    remoteClusters: fc.array(
      fc.record({
        name: fc.oneof(subdomain, fc.string({ maxLength: 10 })),
        tenants: fc.array(namespacePattern, { maxLength: 3 }),
      }),
      { maxLength: 2 },
    ),
  },
  { requiredKeys: [] },
);
const randomInput: fc.Arbitrary<Json> = fc.oneof(
  policy.map((p): Json => ({
    apiVersion: INPUT_API_VERSION,
    kind: 'Input',
    policy: p as JsonObject,
  })),
  fc.record({
    apiVersion: fc.constantFrom(INPUT_API_VERSION, 'v1', ''),
    kind: fc.constantFrom('Input', 'Resources'),
  }),
  plainObject,
);

/** Earlier steps' desired resources under keys this function composes, to collide with. */
const collidingDesired = fc.record({
  key: fc.oneof(
    fc.constantFrom('cluster-auth', 'provider-config', 'cluster-auth-usage'),
    label.map((key) => `object-${key}`),
    label.map((key) => `usage-${key}`),
  ),
  resource: fc.record({
    apiVersion: fc.constant('v1'),
    kind: fc.constant('ConfigMap'),
    metadata: fc.record({ name: label }),
  }),
});

/**
 * Valid requests broken by up to six mutations at random fields, sometimes
 * with a random function input or an earlier step's resource under one of
 * this function's keys.
 */
export const mutatedRequest: fc.Arbitrary<RequestDoc> = fc
  .record({
    base: validRequest,
    mutations: fc.array(mutation, { minLength: 1, maxLength: 6 }),
    input: fc.option(randomInput, { nil: undefined, freq: 3 }),
    collision: fc.option(collidingDesired, { nil: undefined, freq: 3 }),
  })
  .map(({ base, mutations, input, collision }) => {
    const body = cloneJson(base.body as JsonObject) as JsonObject;
    if (input !== undefined) defineKey(body, 'input', cloneJson(input));
    if (collision !== undefined && isJsonObject(body.desired)) {
      defineKey(body.desired, collision.key, collision.resource);
    }
    for (const m of mutations) applyMutation(body, m);
    return { tag: base.tag, body: body as RequestDoc['body'], ready: { ...base.ready } };
  });

// ---------------------------------------------------------------------------
// The message

function resourceOf(value: JsonObject, ready: Ready = Ready.READY_UNSPECIFIED): Resource {
  return { resource: value, connectionDetails: {}, ready };
}

/** Composed resources by key; an entry that is not an object has no wire form and is left out. */
function resourceMap(
  value: Json | undefined,
  ready: Record<string, Ready> = {},
): Record<string, Resource> {
  const map: Record<string, Resource> = {};
  if (!isJsonObject(value)) return map;
  for (const [key, body] of Object.entries(value)) {
    if (isJsonObject(body))
      map[key] = resourceOf(body, Object.hasOwn(ready, key) ? ready[key] : undefined);
  }
  return map;
}

/** Lists of resources by requirement name, as requiredResources and extraResources carry them. */
function resourceLists(value: Json | undefined): Record<string, { items: Resource[] }> {
  const map: Record<string, { items: Resource[] }> = {};
  if (!isJsonObject(value)) return map;
  for (const [key, list] of Object.entries(value)) {
    const items = Array.isArray(list)
      ? list.filter(isJsonObject).map((item) => resourceOf(item))
      : [];
    map[key] = { items };
  }
  return map;
}

/** Builds the message sent from the tree; a part of the wrong type is sent empty or unset. */
export function toRequest(doc: RequestDoc): RunFunctionRequest {
  const { body } = doc;
  return {
    meta: { tag: doc.tag, capabilities: [] },
    observed: {
      composite: isJsonObject(body.xr) ? resourceOf(body.xr) : undefined,
      resources: resourceMap(body.observed),
    },
    desired: {
      composite: isJsonObject(body.composite) ? resourceOf(body.composite) : undefined,
      resources: resourceMap(body.desired, doc.ready),
    },
    input: isJsonObject(body.input) ? body.input : undefined,
    context: isJsonObject(body.context) ? body.context : {},
    extraResources: resourceLists(body.extra),
    credentials: {},
    requiredResources: resourceLists(body.required),
    requiredSchemas: {},
  };
}

/**
 * RunFunction requests for the benchmarks: a RemoteCluster XR with a chosen
 * number of tenant objects, in one of two lifecycle states.
 *
 * The resource keys and names the function is expected to compose live here
 * and nowhere else in bench/, so that a change in the function's naming
 * scheme is a change to this file only.
 */
import { Capability, RunFunctionRequest } from '@crossplane-org/function-sdk-typescript';

/**
 * Lifecycle states a request can describe.
 *
 * - `nothing-observed`: the first call for a new XR. Only the XR is observed.
 * - `all-ready`: every composed resource exists and reports Ready=True and
 *   Synced=True, and every Object carries a copy of its remote object in
 *   `status.atProvider.manifest`. This is the largest request.
 */
export const FIXTURE_STATES = ['nothing-observed', 'all-ready'] as const;
export type FixtureState = (typeof FIXTURE_STATES)[number];

/** Resource keys of the composed resources, as the function names them. */
export const resourceKeys = {
  clusterAuth: 'cluster-auth',
  providerConfig: 'provider-config',
  clusterAuthUsage: 'cluster-auth-usage',
  object: (objectKey: string): string => `object-${objectKey}`,
  usage: (objectKey: string): string => `usage-${objectKey}`,
};

const XR_NAME = 'tfc-cluster12';
const XR_UID = '6f1c2a8e-3b7d-4e59-9a41-0c2d5e8f7b13';
const CLUSTER_REGION = 'eu-west-2';
const OBJECT_NAMESPACE = 'crossplane-system';
const AWS_PROVIDER_CONFIG = 'eks';

/** Names of the composed resources in the observed state, as the function names them. */
const resourceNames = {
  clusterAuth: XR_NAME,
  connectionSecret: `${XR_NAME}-connection`,
  providerConfig: XR_NAME,
  clusterAuthUsage: `${XR_NAME}-cluster-auth`,
  object: (objectKey: string): string => `${XR_NAME}-${objectKey}`,
  usage: (objectKey: string): string => `${XR_NAME}-${objectKey}`,
};

type JsonObject = { [key: string]: unknown };

interface TenantObject {
  key: string;
  manifest: JsonObject;
}

/** Build the tenant objects listed in the XR's `spec.objects`. */
function buildTenantObjects(objectCount: number): TenantObject[] {
  const objects: TenantObject[] = [];
  for (let i = 1; i <= objectCount; i++) {
    const suffix = String(i).padStart(4, '0');
    const tenant = `tenant${(i % 4) + 1}`;
    objects.push({
      key: `obj-${suffix}`,
      manifest: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `cm-${suffix}`, namespace: tenant },
        data: { index: String(i) },
      },
    });
  }
  return objects;
}

function buildXR(objects: TenantObject[], ready: boolean): JsonObject {
  const xr: JsonObject = {
    apiVersion: 'remote.example.org/v1alpha1',
    kind: 'RemoteCluster',
    metadata: {
      name: XR_NAME,
      uid: XR_UID,
      generation: 1,
      resourceVersion: '48213',
      creationTimestamp: '2025-01-01T00:00:00Z',
      finalizers: ['composite.apiextensions.crossplane.io'],
    },
    spec: {
      cluster: { name: XR_NAME, region: CLUSTER_REGION },
      objects,
      crossplane: { compositionRef: { name: 'remote-eks' } },
    },
  };
  if (ready) {
    xr.status = { conditions: readyConditions() };
  }
  return xr;
}

function readyConditions(): JsonObject[] {
  const lastTransitionTime = '2025-01-01T00:05:00Z';
  return [
    { type: 'Ready', status: 'True', reason: 'Available', lastTransitionTime },
    { type: 'Synced', status: 'True', reason: 'ReconcileSuccess', lastTransitionTime },
  ];
}

/**
 * Build the metadata of an observed composed resource.
 *
 * NOTE: real observed resources also carry uid, resourceVersion,
 * creationTimestamp, the composite label, the composition-resource-name
 * annotation, an owner reference and managedFields. With all of those but
 * managedFields, and two data keys per ConfigMap, the 2000-object
 * `all-ready` request is 6.3 MiB. The SDK 0.7.0 server rejects requests over
 * 4 MiB, so observed resources here carry only their name and namespace.
 */
function observedMetadata(name: string, namespace?: string): JsonObject {
  return namespace === undefined ? { name } : { name, namespace };
}

function buildClusterAuth(): JsonObject {
  return {
    apiVersion: 'eks.aws.upbound.io/v1beta1',
    kind: 'ClusterAuth',
    metadata: observedMetadata(resourceNames.clusterAuth),
    spec: {
      deletionPolicy: 'Delete',
      forProvider: { region: CLUSTER_REGION, clusterName: XR_NAME, refreshPeriod: '10m0s' },
      providerConfigRef: { name: AWS_PROVIDER_CONFIG },
      writeConnectionSecretToRef: {
        name: resourceNames.connectionSecret,
        namespace: OBJECT_NAMESPACE,
      },
    },
    status: {
      atProvider: { lastRefreshTime: '2025-01-01T00:04:00Z' },
      conditions: readyConditions(),
    },
  };
}

/**
 * Build the connection details Crossplane reads from the ClusterAuth's
 * Secret. The token is filler of the length of a presigned STS URL.
 */
function buildClusterAuthConnectionDetails(): { [key: string]: Buffer } {
  const endpoint = 'https://0123456789ABCDEF0123456789ABCDEF.gr7.eu-west-2.eks.amazonaws.com';
  const clusterCA = Buffer.alloc(1100, 'Q').toString('base64');
  const token = `k8s-aws-v1.${'a'.repeat(1000)}`;
  const kubeconfig = [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${XR_NAME}`,
    '  cluster:',
    `    server: ${endpoint}`,
    `    certificate-authority-data: ${clusterCA}`,
    'contexts:',
    `- name: ${XR_NAME}`,
    '  context:',
    `    cluster: ${XR_NAME}`,
    `    user: ${XR_NAME}`,
    `current-context: ${XR_NAME}`,
    'users:',
    `- name: ${XR_NAME}`,
    '  user:',
    `    token: ${token}`,
    '',
  ].join('\n');
  return {
    kubeconfig: Buffer.from(kubeconfig),
    endpoint: Buffer.from(endpoint),
    clusterCA: Buffer.from(clusterCA),
  };
}

/**
 * Build the observed ClusterProviderConfig.
 *
 * NOTE: a real provider-kubernetes ClusterProviderConfig reports no Ready
 * condition. It gets one here so that every composed resource in the
 * `all-ready` state reports Ready=True.
 */
function buildProviderConfig(): JsonObject {
  return {
    apiVersion: 'kubernetes.m.crossplane.io/v1alpha1',
    kind: 'ClusterProviderConfig',
    metadata: observedMetadata(resourceNames.providerConfig),
    spec: {
      credentials: {
        source: 'Secret',
        secretRef: {
          namespace: OBJECT_NAMESPACE,
          name: resourceNames.connectionSecret,
          key: 'kubeconfig',
        },
      },
    },
    status: { users: 0, conditions: readyConditions() },
  };
}

function buildClusterAuthUsage(): JsonObject {
  return {
    apiVersion: 'protection.crossplane.io/v1beta1',
    kind: 'ClusterUsage',
    metadata: observedMetadata(resourceNames.clusterAuthUsage),
    spec: {
      of: {
        apiVersion: 'eks.aws.upbound.io/v1beta1',
        kind: 'ClusterAuth',
        resourceRef: { name: resourceNames.clusterAuth },
      },
      by: {
        apiVersion: 'kubernetes.m.crossplane.io/v1alpha1',
        kind: 'ClusterProviderConfig',
        resourceRef: { name: resourceNames.providerConfig },
      },
      replayDeletion: true,
    },
    status: { conditions: readyConditions() },
  };
}

/**
 * Build the copy of a tenant object that the remote API server returns. It
 * adds server-set metadata, of which only resourceVersion is kept here for
 * the size reason given at {@link observedMetadata}.
 */
function buildRemoteObject(tenantObject: TenantObject): JsonObject {
  const manifest = tenantObject.manifest;
  const metadata = manifest.metadata as JsonObject;
  return { ...manifest, metadata: { ...metadata, resourceVersion: '991' } };
}

function buildObject(tenantObject: TenantObject): JsonObject {
  return {
    apiVersion: 'kubernetes.m.crossplane.io/v1alpha1',
    kind: 'Object',
    metadata: observedMetadata(resourceNames.object(tenantObject.key), OBJECT_NAMESPACE),
    spec: {
      forProvider: { manifest: tenantObject.manifest },
      providerConfigRef: { kind: 'ClusterProviderConfig', name: resourceNames.providerConfig },
      managementPolicies: ['*'],
      readiness: { policy: 'SuccessfulCreate' },
    },
    status: {
      atProvider: { manifest: buildRemoteObject(tenantObject) },
      conditions: readyConditions(),
    },
  };
}

function buildObjectUsage(tenantObject: TenantObject): JsonObject {
  return {
    apiVersion: 'protection.crossplane.io/v1beta1',
    kind: 'Usage',
    metadata: observedMetadata(resourceNames.usage(tenantObject.key), OBJECT_NAMESPACE),
    spec: {
      of: {
        apiVersion: 'v1',
        kind: 'Secret',
        resourceRef: { name: resourceNames.connectionSecret, namespace: OBJECT_NAMESPACE },
      },
      by: {
        apiVersion: 'kubernetes.m.crossplane.io/v1alpha1',
        kind: 'Object',
        resourceRef: { name: resourceNames.object(tenantObject.key) },
      },
      replayDeletion: true,
    },
    status: { conditions: readyConditions() },
  };
}

type ObservedResources = NonNullable<RunFunctionRequest['observed']>['resources'];

function buildObservedResources(objects: TenantObject[]): ObservedResources {
  const resources: ObservedResources = {
    [resourceKeys.clusterAuth]: {
      resource: buildClusterAuth(),
      connectionDetails: buildClusterAuthConnectionDetails(),
      ready: 0,
    },
    [resourceKeys.providerConfig]: {
      resource: buildProviderConfig(),
      connectionDetails: {},
      ready: 0,
    },
    [resourceKeys.clusterAuthUsage]: {
      resource: buildClusterAuthUsage(),
      connectionDetails: {},
      ready: 0,
    },
  };
  for (const tenantObject of objects) {
    resources[resourceKeys.object(tenantObject.key)] = {
      resource: buildObject(tenantObject),
      connectionDetails: {},
      ready: 0,
    };
    resources[resourceKeys.usage(tenantObject.key)] = {
      resource: buildObjectUsage(tenantObject),
      connectionDetails: {},
      ready: 0,
    };
  }
  return resources;
}

/**
 * Build the request Crossplane sends to the first pipeline step for an XR
 * with `objectCount` tenant objects in the given state.
 */
export function buildRequest(objectCount: number, state: FixtureState): RunFunctionRequest {
  if (!Number.isInteger(objectCount) || objectCount < 0) {
    throw new RangeError(`objectCount must be a non-negative integer, got ${objectCount}`);
  }
  const objects = buildTenantObjects(objectCount);
  const ready = state === 'all-ready';
  return RunFunctionRequest.fromPartial({
    meta: {
      tag: 'b1946ac92492d2347c6235b4d2611184f1d2c0e9a3b5c7d9e1f3a5b7c9d1e3f5',
      capabilities: [
        Capability.CAPABILITY_CAPABILITIES,
        Capability.CAPABILITY_REQUIRED_RESOURCES,
        Capability.CAPABILITY_CREDENTIALS,
        Capability.CAPABILITY_CONDITIONS,
        Capability.CAPABILITY_REQUIRED_SCHEMAS,
      ],
    },
    observed: {
      composite: { resource: buildXR(objects, ready), connectionDetails: {}, ready: 0 },
      resources: ready ? buildObservedResources(objects) : {},
    },
    // The first step of a pipeline gets an empty desired state.
    desired: { resources: {} },
    input: {
      apiVersion: 'remoteeks.fn.crossplane.io/v1alpha1',
      kind: 'Input',
      clusterAuth: { providerConfigRef: { name: AWS_PROVIDER_CONFIG } },
      // The function's default limit of 500 objects per XR rejects the larger requests.
      policy: { limits: { maxObjects: objectCount } },
    },
    context: {},
  });
}

/** Encode {@link buildRequest}'s request to the protobuf wire format. */
export function encodeRequest(objectCount: number, state: FixtureState): Buffer {
  const bytes = RunFunctionRequest.encode(buildRequest(objectCount, state)).finish();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

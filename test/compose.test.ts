import { Ready } from '@crossplane-org/function-sdk-typescript';
import { describe, expect, it } from 'vitest';
import { buildClusterAuth } from '../src/compose/cluster-auth.js';
import { buildObject } from '../src/compose/object.js';
import { buildProviderConfig } from '../src/compose/provider-config.js';
import { buildUsage } from '../src/compose/usage.js';
import { planOwnConnection, planSharedConnection } from '../src/connection.js';
import { DEFAULT_SETTINGS, type Settings } from '../src/input.js';
import { composedNames, joinName, MAX_NAME_LENGTH } from '../src/names.js';
import type { TenantObject } from '../src/objects.js';

const names = composedNames('tfc-cluster12');
const legacy: Settings = {
  ...DEFAULT_SETTINGS,
  awsProviderConfigRef: { name: 'eks', kind: 'ProviderConfig' },
};
const namespacedAuth: Settings = {
  ...legacy,
  clusterAuthAPIVersion: 'eks.aws.m.upbound.io/v1beta1',
  connectionSecretNamespace: 'remote-access',
};
const cluster = { name: 'tfc-cluster12', region: 'eu-west-2' };

const secretObject: TenantObject = {
  index: 0,
  key: 'tfc-example-secret',
  manifest: {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'tfc-example-secret', namespace: 'cluster12-tenant1' },
    data: { secret_information: 'c29tZXJ1YmJpc2gK' },
  },
  apiVersion: 'v1',
  kind: 'Secret',
  name: 'tfc-example-secret',
  namespace: 'cluster12-tenant1',
  statusFields: [],
};

describe('buildClusterAuth', () => {
  const base = {
    name: 'tfc-cluster12',
    clusterName: 'tfc-cluster12',
    region: 'eu-west-2',
    namespace: 'crossplane-system',
    secretName: 'tfc-cluster12-connection',
    providerConfigRef: { name: 'eks', kind: 'ProviderConfig' as const },
  };
  it.each([
    {
      reason:
        'the cluster-scoped API writes the Secret to the given namespace, as the blog post does',
      options: { ...base, apiVersion: 'eks.aws.upbound.io/v1beta1' as const },
      want: {
        apiVersion: 'eks.aws.upbound.io/v1beta1',
        kind: 'ClusterAuth',
        metadata: { name: 'tfc-cluster12' },
        spec: {
          forProvider: { clusterName: 'tfc-cluster12', region: 'eu-west-2' },
          providerConfigRef: { name: 'eks' },
          writeConnectionSecretToRef: {
            name: 'tfc-cluster12-connection',
            namespace: 'crossplane-system',
          },
        },
      },
    },
    {
      reason:
        'the namespaced API lives where it writes the Secret and names the provider config kind',
      options: {
        ...base,
        apiVersion: 'eks.aws.m.upbound.io/v1beta1' as const,
        namespace: 'team-a',
      },
      want: {
        apiVersion: 'eks.aws.m.upbound.io/v1beta1',
        kind: 'ClusterAuth',
        metadata: { name: 'tfc-cluster12', namespace: 'team-a' },
        spec: {
          forProvider: { clusterName: 'tfc-cluster12', region: 'eu-west-2' },
          providerConfigRef: { kind: 'ProviderConfig', name: 'eks' },
          writeConnectionSecretToRef: { name: 'tfc-cluster12-connection' },
        },
      },
    },
  ])('$reason', ({ options, want }) => {
    expect(buildClusterAuth(options)).toEqual(want);
  });
});

describe('buildProviderConfig', () => {
  it.each([
    {
      reason: 'a ClusterProviderConfig reads the kubeconfig key and has no namespace',
      ref: { kind: 'ClusterProviderConfig' as const, name: 'tfc-cluster12' },
      wantMetadata: { name: 'tfc-cluster12' },
    },
    {
      reason: 'a ProviderConfig lives beside its Secret',
      ref: { kind: 'ProviderConfig' as const, name: 'tfc-cluster12' },
      wantMetadata: { name: 'tfc-cluster12', namespace: 'crossplane-system' },
    },
  ])('$reason', ({ ref, wantMetadata }) => {
    expect(
      buildProviderConfig(ref, {
        namespace: 'crossplane-system',
        name: 'tfc-cluster12-connection',
      }),
    ).toEqual({
      apiVersion: 'kubernetes.m.crossplane.io/v1alpha1',
      kind: ref.kind,
      metadata: wantMetadata,
      spec: {
        credentials: {
          source: 'Secret',
          secretRef: {
            namespace: 'crossplane-system',
            name: 'tfc-cluster12-connection',
            key: 'kubeconfig',
          },
        },
      },
    });
  });
});

describe('buildObject', () => {
  const ref = { kind: 'ClusterProviderConfig' as const, name: 'tfc-cluster12' };
  it.each([
    {
      reason: 'wraps the manifest and always writes both fields of providerConfigRef',
      object: secretObject,
      wantSpec: { forProvider: { manifest: secretObject.manifest }, providerConfigRef: ref },
    },
    {
      reason: 'a read-only object gets the Observe management policy',
      object: { ...secretObject, managementPolicies: ['Observe'] },
      wantSpec: expect.objectContaining({ managementPolicies: ['Observe'] }),
    },
    {
      reason: 'a CEL readiness query is passed through',
      object: {
        ...secretObject,
        readiness: { policy: 'DeriveFromCelQuery' as const, celQuery: 'true' },
      },
      wantSpec: expect.objectContaining({
        readiness: { policy: 'DeriveFromCelQuery', celQuery: 'true' },
      }),
    },
  ])('$reason', ({ object, wantSpec }) => {
    const built = buildObject(object, 'tfc-cluster12.tfc-example-secret', 'crossplane-system', ref);
    expect(built.metadata).toEqual({
      name: 'tfc-cluster12.tfc-example-secret',
      namespace: 'crossplane-system',
    });
    expect(built.spec).toEqual(wantSpec);
  });
});

describe('buildUsage', () => {
  const object = {
    apiVersion: 'kubernetes.m.crossplane.io/v1alpha1',
    kind: 'Object',
    name: 'o',
    namespace: 'team-a',
  };
  const secret = { apiVersion: 'v1', kind: 'Secret', name: 's', namespace: 'crossplane-system' };
  const clusterAuth = { apiVersion: 'eks.aws.upbound.io/v1beta1', kind: 'ClusterAuth', name: 'a' };
  const providerConfig = {
    apiVersion: 'kubernetes.m.crossplane.io/v1alpha1',
    kind: 'ClusterProviderConfig',
    name: 'p',
  };
  it.each([
    {
      reason: 'a namespaced consumer of a namespaced resource gets a Usage in its own namespace',
      of: secret,
      by: object,
      want: {
        apiVersion: 'protection.crossplane.io/v1beta1',
        kind: 'Usage',
        metadata: { name: 'u', namespace: 'team-a' },
        spec: {
          of: {
            apiVersion: 'v1',
            kind: 'Secret',
            resourceRef: { name: 's', namespace: 'crossplane-system' },
          },
          by: {
            apiVersion: 'kubernetes.m.crossplane.io/v1alpha1',
            kind: 'Object',
            resourceRef: { name: 'o' },
          },
          replayDeletion: true,
        },
      },
    },
    {
      reason: 'two cluster-scoped resources get a ClusterUsage',
      of: clusterAuth,
      by: providerConfig,
      want: {
        apiVersion: 'protection.crossplane.io/v1beta1',
        kind: 'ClusterUsage',
        metadata: { name: 'u' },
        spec: {
          of: {
            apiVersion: 'eks.aws.upbound.io/v1beta1',
            kind: 'ClusterAuth',
            resourceRef: { name: 'a' },
          },
          by: {
            apiVersion: 'kubernetes.m.crossplane.io/v1alpha1',
            kind: 'ClusterProviderConfig',
            resourceRef: { name: 'p' },
          },
          replayDeletion: true,
        },
      },
    },
  ])('$reason', ({ of, by, want }) => {
    expect(buildUsage('u', of, by)).toEqual(want);
  });

  it.each([
    {
      reason: 'a namespaced Usage of a cluster-scoped resource would not block',
      of: clusterAuth,
      by: object,
    },
    { reason: 'a ClusterUsage cannot name a namespaced resource', of: secret, by: providerConfig },
  ])('refuses a pair no Usage can bind: $reason', ({ of, by }) => {
    expect(() => buildUsage('u', of, by)).toThrow(/cannot protect/);
  });
});

describe('planOwnConnection', () => {
  const kinds = (plan: ReturnType<typeof planOwnConnection>) =>
    Object.fromEntries(plan.resources.map((r) => [r.key, `${String(r.resource.kind)}`]));
  it.each([
    {
      reason:
        'cluster-scoped XR, cluster-scoped ClusterAuth: a ClusterUsage holds it, Objects protect the Secret',
      settings: legacy,
      xrNamespace: undefined,
      wantKinds: {
        'cluster-auth': 'ClusterAuth',
        'provider-config': 'ClusterProviderConfig',
        'cluster-auth-usage': 'ClusterUsage',
      },
      wantUsageOf: {
        apiVersion: 'v1',
        kind: 'Secret',
        name: 'tfc-cluster12-connection',
        namespace: 'crossplane-system',
      },
      wantProviderConfig: { kind: 'ClusterProviderConfig', name: 'tfc-cluster12' },
    },
    {
      reason:
        'cluster-scoped XR, namespaced ClusterAuth: no Usage can bind it to the config, so Objects protect it',
      settings: namespacedAuth,
      xrNamespace: undefined,
      wantKinds: { 'cluster-auth': 'ClusterAuth', 'provider-config': 'ClusterProviderConfig' },
      wantUsageOf: {
        apiVersion: 'eks.aws.m.upbound.io/v1beta1',
        kind: 'ClusterAuth',
        name: 'tfc-cluster12',
        namespace: 'remote-access',
      },
      wantProviderConfig: { kind: 'ClusterProviderConfig', name: 'tfc-cluster12' },
    },
    {
      reason:
        'namespaced XR: everything in its namespace, chained ClusterAuth then ProviderConfig then Objects',
      settings: legacy,
      xrNamespace: 'team-a',
      wantKinds: {
        'cluster-auth': 'ClusterAuth',
        'provider-config': 'ProviderConfig',
        'cluster-auth-usage': 'Usage',
      },
      wantUsageOf: {
        apiVersion: 'kubernetes.m.crossplane.io/v1alpha1',
        kind: 'ProviderConfig',
        name: 'tfc-cluster12',
        namespace: 'team-a',
      },
      wantProviderConfig: { kind: 'ProviderConfig', name: 'tfc-cluster12' },
    },
  ])('$reason', ({ settings, xrNamespace, wantKinds, wantUsageOf, wantProviderConfig }) => {
    const plan = planOwnConnection(cluster, settings, names, {}, xrNamespace);
    expect(kinds(plan)).toEqual(wantKinds);
    expect(plan.usageOf).toEqual(wantUsageOf);
    expect(plan.providerConfigRef).toEqual(wantProviderConfig);
    expect(plan.state).toMatchObject({ connected: false, reason: 'WaitingForClusterAuth' });
    for (const resource of plan.resources) {
      expect(resource.ready, resource.key).toBe(Ready.READY_FALSE);
    }
  });
});

describe('planSharedConnection', () => {
  const platformXR = (conditionStatus: 'True' | 'False') => ({
    apiVersion: 'remote.example.org/v1alpha1',
    kind: 'RemoteCluster',
    metadata: { name: 'tfc-cluster12' },
    status: {
      conditions: [
        {
          type: 'ClusterConnected',
          status: conditionStatus,
          reason: 'X',
          message: 'token expired',
        },
      ],
      connection: {
        providerConfig: { kind: 'ClusterProviderConfig', name: 'tfc-cluster12' },
        secret: { namespace: 'crossplane-system', name: 'tfc-cluster12-connection' },
      },
    },
  });
  it.each([
    {
      reason: 'the platform XR is not there yet',
      xr: undefined,
      wantReason: 'WaitingForRemoteCluster',
      wantConnected: false,
    },
    {
      reason: 'the platform XR is not connected',
      xr: platformXR('False'),
      wantReason: 'RemoteClusterNotConnected',
      wantConnected: false,
    },
    {
      reason: 'the platform XR is connected',
      xr: platformXR('True'),
      wantReason: 'Connected',
      wantConnected: true,
    },
    {
      reason: 'the platform XR uses a namespaced ProviderConfig that tenants cannot share',
      xr: {
        ...platformXR('True'),
        status: {
          ...platformXR('True').status,
          connection: {
            ...platformXR('True').status.connection,
            providerConfig: { kind: 'ProviderConfig', name: 'tfc-cluster12' },
          },
        },
      },
      wantReason: 'RemoteClusterNotShared',
      wantConnected: false,
    },
  ])('$reason', ({ xr, wantReason, wantConnected }) => {
    const plan = planSharedConnection('tfc-cluster12', xr, 'RemoteCluster');
    expect(plan.resources).toEqual([]);
    expect(plan.state).toMatchObject({ connected: wantConnected, reason: wantReason });
    expect(plan.providerConfigRef).toEqual({
      kind: 'ClusterProviderConfig',
      name: 'tfc-cluster12',
    });
    if (xr !== undefined) {
      expect(plan.usageOf).toEqual({
        apiVersion: 'v1',
        kind: 'Secret',
        name: 'tfc-cluster12-connection',
        namespace: 'crossplane-system',
      });
    }
  });
});

describe('joinName', () => {
  const long = 'a'.repeat(70);
  it.each([
    { reason: 'short names stay readable', parts: ['xr', 'web'], want: 'xr-web' },
    {
      reason: 'a name of exactly 63 characters is kept',
      parts: ['a'.repeat(59), 'web'],
      want: `${'a'.repeat(59)}-web`,
    },
  ])('$reason', ({ parts, want }) => {
    expect(joinName(...parts)).toBe(want);
  });

  it.each([
    { reason: 'a long XR name is shortened and keeps the suffix', parts: [long, 'connection'] },
    { reason: 'a long key is shortened', parts: ['xr', long] },
    {
      reason: 'dots at the cut are trimmed',
      parts: [`${'a'.repeat(50)}.${'b'.repeat(20)}`, 'connection'],
    },
  ])('$reason', ({ parts }) => {
    const name = joinName(...parts);
    expect(name.length).toBeLessThanOrEqual(MAX_NAME_LENGTH);
    expect(name).toMatch(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);
    expect(joinName(...parts)).toBe(name);
  });

  it('two long names that share a prefix differ', () => {
    expect(joinName(`${long}x`, 'connection')).not.toBe(joinName(`${long}y`, 'connection'));
  });
});

describe('composed names never collide', () => {
  it.each([
    {
      reason: 'XR "a" with key "b-c" and XR "a-b" with key "c"',
      first: composedNames('a').object('b-c'),
      second: composedNames('a-b').object('c'),
    },
    {
      reason: 'an object key "cluster-auth" and the ClusterAuth Usage of one XR',
      first: composedNames('analytics').objectUsage('cluster-auth'),
      second: composedNames('analytics').clusterAuthUsage,
    },
    {
      reason: 'two long XR names that differ only at the end',
      first: composedNames(`${'x'.repeat(60)}-one`).object('web'),
      second: composedNames(`${'x'.repeat(60)}-two`).object('web'),
    },
  ])('$reason', ({ first, second }) => {
    expect(first).not.toBe(second);
    expect(first.length).toBeLessThanOrEqual(MAX_NAME_LENGTH);
    expect(second.length).toBeLessThanOrEqual(MAX_NAME_LENGTH);
  });
});

import { describe, expect, it } from 'vitest';
import { buildClusterAuth } from '../src/compose/cluster-auth.js';
import { buildObject } from '../src/compose/object.js';
import { buildClusterProviderConfig } from '../src/compose/provider-config.js';
import { buildClusterAuthUsage, buildObjectUsage } from '../src/compose/usage.js';
import { DEFAULT_SETTINGS, type Settings } from '../src/input.js';
import { composedNames, joinName, MAX_NAME_LENGTH } from '../src/names.js';
import type { TenantObject } from '../src/xr.js';

const names = composedNames('tfc-cluster12');
const legacy: Settings = {
  ...DEFAULT_SETTINGS,
  awsProviderConfigRef: { name: 'eks', kind: 'ProviderConfig' },
};
const namespaced: Settings = {
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
  it.each([
    {
      reason:
        'the cluster-scoped API writes the Secret to the configured namespace, as the blog post does',
      cluster,
      settings: legacy,
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
      reason: 'the XR can name its own AWS provider config',
      cluster: { ...cluster, providerConfigRef: { name: 'other-account' } },
      settings: legacy,
      want: expect.objectContaining({
        spec: expect.objectContaining({ providerConfigRef: { name: 'other-account' } }),
      }),
    },
    {
      reason: 'the namespaced API lives in the Secret namespace and needs the provider config kind',
      cluster,
      settings: namespaced,
      want: {
        apiVersion: 'eks.aws.m.upbound.io/v1beta1',
        kind: 'ClusterAuth',
        metadata: { name: 'tfc-cluster12', namespace: 'remote-access' },
        spec: {
          forProvider: { clusterName: 'tfc-cluster12', region: 'eu-west-2' },
          providerConfigRef: { kind: 'ProviderConfig', name: 'eks' },
          writeConnectionSecretToRef: { name: 'tfc-cluster12-connection' },
        },
      },
    },
  ])('$reason', ({ cluster, settings, want }) => {
    expect(buildClusterAuth(cluster, settings, names)).toEqual(want);
  });
});

describe('buildClusterProviderConfig', () => {
  it.each([
    {
      reason: 'reads the kubeconfig key of the Secret in the default namespace',
      settings: legacy,
      namespace: 'crossplane-system',
    },
    {
      reason: 'follows the configured Secret namespace',
      settings: namespaced,
      namespace: 'remote-access',
    },
  ])('$reason', ({ settings, namespace }) => {
    expect(buildClusterProviderConfig(settings, names)).toEqual({
      apiVersion: 'kubernetes.m.crossplane.io/v1alpha1',
      kind: 'ClusterProviderConfig',
      metadata: { name: 'tfc-cluster12' },
      spec: {
        credentials: {
          source: 'Secret',
          secretRef: { namespace, name: 'tfc-cluster12-connection', key: 'kubeconfig' },
        },
      },
    });
  });
});

describe('buildObject', () => {
  it.each([
    {
      reason: 'wraps the manifest and always writes both fields of providerConfigRef',
      object: secretObject,
      wantSpec: {
        forProvider: { manifest: secretObject.manifest },
        providerConfigRef: { kind: 'ClusterProviderConfig', name: 'tfc-cluster12' },
      },
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
    const built = buildObject(object, legacy, names);
    expect(built.metadata).toEqual({
      name: 'tfc-cluster12-tfc-example-secret',
      namespace: 'crossplane-system',
    });
    expect(built.spec).toEqual(wantSpec);
  });
});

describe('Usages', () => {
  it.each([
    {
      reason: 'with the cluster-scoped API the Usage protects the namespaced kubeconfig Secret',
      settings: legacy,
      wantOf: {
        apiVersion: 'v1',
        kind: 'Secret',
        resourceRef: { name: 'tfc-cluster12-connection', namespace: 'crossplane-system' },
      },
    },
    {
      reason: 'with the namespaced API the Usage protects the ClusterAuth itself',
      settings: namespaced,
      wantOf: {
        apiVersion: 'eks.aws.m.upbound.io/v1beta1',
        kind: 'ClusterAuth',
        resourceRef: { name: 'tfc-cluster12', namespace: 'remote-access' },
      },
    },
  ])('$reason', ({ settings, wantOf }) => {
    const usage = buildObjectUsage('tfc-example-secret', settings, names);
    expect(usage.kind).toBe('Usage');
    expect(usage.metadata).toEqual({
      name: 'tfc-cluster12-tfc-example-secret',
      namespace: 'crossplane-system',
    });
    expect(usage.spec).toEqual({
      of: wantOf,
      by: {
        apiVersion: 'kubernetes.m.crossplane.io/v1alpha1',
        kind: 'Object',
        resourceRef: { name: 'tfc-cluster12-tfc-example-secret' },
      },
      replayDeletion: true,
    });
  });

  it('ClusterUsage keeps the ClusterAuth until the ClusterProviderConfig is gone', () => {
    expect(buildClusterAuthUsage(legacy, names).spec).toEqual({
      of: {
        apiVersion: 'eks.aws.upbound.io/v1beta1',
        kind: 'ClusterAuth',
        resourceRef: { name: 'tfc-cluster12' },
      },
      by: {
        apiVersion: 'kubernetes.m.crossplane.io/v1alpha1',
        kind: 'ClusterProviderConfig',
        resourceRef: { name: 'tfc-cluster12' },
      },
      replayDeletion: true,
    });
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

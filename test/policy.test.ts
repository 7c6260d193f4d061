import { describe, expect, it } from 'vitest';
import { condition, exampleXR, request } from './support/fixtures.js';
import { run } from './support/run.js';

const READY = [condition('Ready', 'True', 'Available')];
const INPUT = { apiVersion: 'remoteeks.fn.crossplane.io/v1alpha1', kind: 'Input' };

const manifest = (
  kind: string,
  name: string,
  namespace?: string,
  apiVersion = 'v1',
  extra: Record<string, unknown> = {},
) => ({
  apiVersion,
  kind,
  metadata: namespace === undefined ? { name } : { name, namespace },
  ...extra,
});

/** A tenant's namespaced XR with its own cluster. */
const tenantXR = (namespace: string, objects: unknown[]) => ({
  apiVersion: 'remote.example.org/v1alpha1',
  kind: 'TenantRemoteCluster',
  metadata: { name: 'app', namespace },
  spec: { cluster: { name: 'tenant-cluster', region: 'eu-west-2' }, objects },
});

/** The platform's cluster-scoped XR carrying a tenant name. */
const platformXR = (objects: unknown[], tenant = 'team-a') =>
  exampleXR({ spec: { tenant, cluster: { name: 'tfc-cluster12', region: 'eu-west-2' }, objects } });

function deepManifest(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: 'x' };
  for (let i = 0; i < depth; i += 1) value = { nested: value };
  return manifest('ConfigMap', 'deep', 'team-a', 'v1', { data: value });
}

describe('the policy refuses what a tenant may not have', () => {
  it.each([
    {
      reason: 'a namespaced XR writes outside its own namespace',
      xr: tenantXR('team-a', [{ manifest: manifest('ConfigMap', 'x', 'team-b') }]),
      policy: {},
      want: [
        'spec.objects[0].manifest.metadata.namespace: Forbidden: "team-b"',
        'tenant team-a',
        'allowed: team-a',
      ],
    },
    {
      reason: 'tenant "team" reaches tenant "team-b" through a prefix',
      xr: tenantXR('team', [{ manifest: manifest('ConfigMap', 'x', 'team-b') }]),
      policy: {},
      want: ['remote namespace team-b is not allowed for tenant team'],
    },
    {
      reason: 'a Namespace is cluster-scoped and not listed',
      xr: tenantXR('team-a', [{ manifest: manifest('Namespace', 'team-a') }]),
      policy: {},
      want: ['kind Namespace is cluster-scoped', 'input.policy.kinds.clusterScoped'],
    },
    {
      reason: 'a ClusterRoleBinding would grant cluster-wide rights',
      xr: tenantXR('team-a', [
        {
          manifest: manifest(
            'ClusterRoleBinding',
            'admin',
            undefined,
            'rbac.authorization.k8s.io/v1',
          ),
        },
      ]),
      policy: { kinds: { allowed: ['*'] } },
      want: ['kind ClusterRoleBinding.rbac.authorization.k8s.io is cluster-scoped'],
    },
    {
      reason: 'a ClusterRoleBinding with a namespace is still cluster-scoped',
      xr: tenantXR('team-a', [
        {
          manifest: manifest(
            'ClusterRoleBinding',
            'admin',
            'team-a',
            'rbac.authorization.k8s.io/v1',
          ),
        },
      ]),
      policy: { kinds: { allowed: ['*'] } },
      want: ['is cluster-scoped'],
    },
    {
      reason: 'a CRD is cluster-scoped',
      xr: tenantXR('team-a', [
        {
          manifest: manifest(
            'CustomResourceDefinition',
            'a.b.c',
            undefined,
            'apiextensions.k8s.io/v1',
          ),
        },
      ]),
      policy: { kinds: { allowed: ['*'] } },
      want: ['CustomResourceDefinition.apiextensions.k8s.io is cluster-scoped'],
    },
    {
      reason: 'a webhook configuration is cluster-scoped',
      xr: tenantXR('team-a', [
        {
          manifest: manifest(
            'MutatingWebhookConfiguration',
            'hook',
            undefined,
            'admissionregistration.k8s.io/v1',
          ),
        },
      ]),
      policy: { kinds: { allowed: ['*'] } },
      want: ['MutatingWebhookConfiguration.admissionregistration.k8s.io is cluster-scoped'],
    },
    {
      reason: 'a VolumeAttributesClass is cluster-scoped',
      xr: tenantXR('team-a', [
        { manifest: manifest('VolumeAttributesClass', 'fast', 'team-a', 'storage.k8s.io/v1') },
      ]),
      policy: { kinds: { allowed: ['*'] } },
      want: ['VolumeAttributesClass.storage.k8s.io is cluster-scoped'],
    },
    {
      reason: 'a ResourceSlice is cluster-scoped',
      xr: tenantXR('team-a', [
        { manifest: manifest('ResourceSlice', 's', 'team-a', 'resource.k8s.io/v1') },
      ]),
      policy: { kinds: { allowed: ['*'] } },
      want: ['ResourceSlice.resource.k8s.io is cluster-scoped'],
    },
    {
      reason: "EKS's cluster-scoped ENIConfig",
      xr: tenantXR('team-a', [
        {
          manifest: manifest(
            'ENIConfig',
            'eu-west-2a',
            undefined,
            'crd.k8s.amazonaws.com/v1alpha1',
          ),
        },
      ]),
      policy: { kinds: { allowed: ['*'] } },
      want: ['ENIConfig.crd.k8s.amazonaws.com is cluster-scoped'],
    },
    {
      reason: 'a custom kind is not in the default allow list',
      xr: tenantXR('team-a', [
        { manifest: manifest('Certificate', 'c', 'team-a', 'cert-manager.io/v1') },
      ]),
      policy: {},
      want: ['kind Certificate.cert-manager.io is not allowed', 'input.policy.kinds.allowed'],
    },
    {
      reason: 'a denial wins over an allowance',
      xr: tenantXR('team-a', [{ manifest: manifest('Secret', 's', 'team-a') }]),
      policy: { kinds: { allowed: ['*'], denied: ['Secret'] } },
      want: ['kind Secret is denied', 'input.policy.kinds.denied: Secret'],
    },
    {
      reason: 'a namespaced manifest without a namespace and no default',
      xr: tenantXR('team-a', [{ manifest: manifest('ConfigMap', 'x') }]),
      policy: {},
      want: ['spec.objects[0].manifest.metadata.namespace: Required value', 'no default namespace'],
    },
    {
      reason: 'one remote object listed with and without the default namespace',
      xr: tenantXR('team-a', [
        { key: 'one', manifest: manifest('ConfigMap', 'cfg') },
        { key: 'two', manifest: manifest('ConfigMap', 'cfg', 'team-a') },
      ]),
      policy: { remoteNamespaces: { default: '{{tenant}}' } },
      want: [
        'spec.objects[1].manifest: Duplicate value',
        'spec.objects[0] manages the same remote object',
      ],
    },
    {
      reason: 'a tenant namespace whose prefix pattern reaches kube-system',
      xr: tenantXR('kube', [{ manifest: manifest('ConfigMap', 'aws-auth', 'kube-system') }]),
      policy: { remoteNamespaces: { allowed: ['{{tenant}}-*'] } },
      want: ['remote namespace kube-system is denied', 'input.policy.remoteNamespaces.denied'],
    },
    {
      reason: 'too many objects',
      xr: tenantXR('team-a', [
        { manifest: manifest('ConfigMap', 'a', 'team-a') },
        { manifest: manifest('ConfigMap', 'b', 'team-a') },
      ]),
      policy: { limits: { maxObjects: 1 } },
      want: ['spec.objects: Too many: 2', 'input.policy.limits.maxObjects'],
    },
    {
      reason: 'a manifest over the byte limit',
      xr: tenantXR('team-a', [
        {
          manifest: manifest('ConfigMap', 'a', 'team-a', 'v1', { data: { big: 'x'.repeat(2000) } }),
        },
      ]),
      policy: { limits: { maxManifestBytes: 1000 } },
      want: ['spec.objects[0].manifest: Too long', 'input.policy.limits.maxManifestBytes'],
    },
    {
      reason: 'a manifest nested too deep',
      xr: tenantXR('team-a', [{ manifest: deepManifest(100) }]),
      policy: {},
      want: ['spec.objects[0].manifest: Invalid value: nested deeper than 20 levels'],
    },
    {
      reason: 'a tenant writes a wildcard into the field the policy reads',
      xr: platformXR([{ manifest: manifest('ConfigMap', 'x', 'anything') }], '*'),
      policy: { tenantFieldPath: 'spec.tenant', remoteNamespaces: { allowed: ['{{tenant}}-*'] } },
      want: ['remote namespace anything is not allowed for tenant *', 'allowed: none'],
    },
    {
      reason: 'a pattern with many * that a long namespace does not match',
      xr: platformXR([{ manifest: manifest('ConfigMap', 'x', 'a'.repeat(63)) }]),
      policy: { remoteNamespaces: { allowed: [`${'*a'.repeat(12)}*-`] } },
      want: [`remote namespace ${'a'.repeat(63)} is not allowed`],
    },
    {
      reason: 'a cluster-scoped XR without the tenant field the policy needs',
      xr: platformXR([{ manifest: manifest('ConfigMap', 'x', 'team-a') }], ''),
      policy: { tenantFieldPath: 'spec.tenant', remoteNamespaces: { allowed: ['{{tenant}}'] } },
      want: ['spec.tenant: Required value', 'input.policy.tenantFieldPath'],
    },
    {
      reason: 'a Namespace the platform allows must still match the namespace rules',
      xr: tenantXR('team-a', [{ manifest: manifest('Namespace', 'kube-system') }]),
      policy: { kinds: { clusterScoped: ['Namespace'] } },
      want: ['spec.objects[0].manifest.metadata.name: Forbidden: "kube-system"'],
    },
    {
      reason: 'a shared remote cluster the tenant is not listed for',
      xr: {
        apiVersion: 'remote.example.org/v1alpha1',
        kind: 'RemoteObjects',
        metadata: { name: 'app', namespace: 'team-b' },
        spec: { remoteClusterRef: { name: 'tfc-cluster12' }, objects: [] },
      },
      policy: { remoteClusters: [{ name: 'tfc-cluster12', tenants: ['team-a'] }] },
      want: [
        'spec.remoteClusterRef.name: Forbidden: "tfc-cluster12"',
        'tenant team-b may not use remote cluster tfc-cluster12',
      ],
    },
    {
      reason: 'a shared remote cluster when the policy lists none',
      xr: {
        apiVersion: 'remote.example.org/v1alpha1',
        kind: 'RemoteObjects',
        metadata: { name: 'app', namespace: 'team-a' },
        spec: { remoteClusterRef: { name: 'tfc-cluster12' }, objects: [] },
      },
      policy: {},
      want: ['it may use: none'],
    },
    {
      reason: 'a namespaced XR names a cluster-wide AWS provider config',
      xr: {
        ...tenantXR('team-a', []),
        spec: {
          cluster: {
            name: 'c',
            region: 'eu-west-2',
            providerConfigRef: { name: 'platform', kind: 'ClusterProviderConfig' },
          },
        },
      },
      policy: {},
      want: ['spec.cluster.providerConfigRef.kind: Forbidden'],
    },
  ])('$reason', async ({ xr, policy, want }) => {
    const outcome = await run(request({ xr, input: { ...INPUT, policy } }));
    expect(outcome.fatal).toBeDefined();
    for (const fragment of want) {
      expect(outcome.fatal).toContain(fragment);
    }
  });
});

describe('the policy lets through what it allows', () => {
  it.each([
    {
      reason: 'a namespaced XR in its own namespace with defaults',
      xr: tenantXR('team-a', [{ manifest: manifest('ConfigMap', 'x', 'team-a') }]),
      policy: {},
      wantNamespace: 'team-a',
    },
    {
      reason: 'a default namespace fills in a missing one',
      xr: tenantXR('team-a', [{ manifest: manifest('ConfigMap', 'x') }]),
      policy: { remoteNamespaces: { default: '{{tenant}}' } },
      wantNamespace: 'team-a',
    },
    {
      reason: 'an extra namespace for a named tenant',
      xr: tenantXR('team-a', [{ manifest: manifest('ConfigMap', 'x', 'shared-monitoring') }]),
      policy: { remoteNamespaces: { perTenant: [{ tenant: 'team-a', namespaces: ['shared-*'] }] } },
      wantNamespace: 'shared-monitoring',
    },
    {
      reason: 'a pattern built from an XR field',
      xr: platformXR([{ manifest: manifest('ConfigMap', 'x', 'team-a-apps') }]),
      policy: {
        tenantFieldPath: 'spec.tenant',
        remoteNamespaces: { allowed: ['{{ spec.tenant }}-*'] },
      },
      wantNamespace: 'team-a-apps',
    },
    {
      reason: 'the blog post example with no policy at all',
      xr: exampleXR(),
      policy: undefined,
      wantNamespace: 'cluster12-tenant1',
    },
  ])('$reason', async ({ xr, policy, wantNamespace }) => {
    const input = policy === undefined ? INPUT : { ...INPUT, policy };
    const connected = {
      'cluster-auth': {
        apiVersion: 'x/v1',
        kind: 'ClusterAuth',
        metadata: { name: 'x' },
        status: { conditions: READY },
      },
      'provider-config': { apiVersion: 'x/v1', kind: 'ProviderConfig', metadata: { name: 'x' } },
    };
    const outcome = await run(request({ xr, input, observed: connected }));
    expect(outcome.fatal).toBeUndefined();
    const object = Object.entries(outcome.resources).find(([key]) =>
      key.startsWith('object-'),
    )?.[1];
    const spec = object?.spec as { forProvider: { manifest: { metadata: { namespace: string } } } };
    expect(spec.forProvider.manifest.metadata.namespace).toBe(wantNamespace);
  });
});

describe('a malformed policy is a Fatal naming the input field', () => {
  it.each([
    {
      reason: 'a kind written as apiVersion',
      policy: { kinds: { allowed: ['apps/v1/Deployment'] } },
      want: 'input.policy.kinds.allowed[0]: Invalid value',
    },
    {
      reason: 'a wildcard among cluster-scoped kinds',
      policy: { kinds: { clusterScoped: ['*'] } },
      want: 'input.policy.kinds.clusterScoped[0]: Invalid value',
    },
    {
      reason: 'a namespace pattern with capitals',
      policy: { remoteNamespaces: { allowed: ['Team-*'] } },
      want: 'input.policy.remoteNamespaces.allowed[0]: Invalid value',
    },
    {
      reason: 'a default namespace with a wildcard',
      policy: { remoteNamespaces: { default: 'team-*' } },
      want: 'input.policy.remoteNamespaces.default: Invalid value',
    },
    {
      reason: 'an expansion with one brace missing',
      policy: { remoteNamespaces: { allowed: ['{{tenant'] } },
      want: 'input.policy.remoteNamespaces.allowed[0]: Invalid value: "{{tenant"',
    },
    {
      reason: 'a denied pattern with an expansion a tenant could leave empty',
      policy: { remoteNamespaces: { denied: ['{{ spec.team }}-*'] } },
      want: 'input.policy.remoteNamespaces.denied[0]: Invalid value',
    },
    {
      reason: 'a broken tenant field path',
      policy: { tenantFieldPath: 'spec..tenant' },
      want: 'input.policy.tenantFieldPath: Invalid value',
    },
    {
      reason: 'a negative limit',
      policy: { limits: { maxObjects: -1 } },
      want: 'input.policy.limits.maxObjects: Invalid value',
    },
    {
      reason: 'a response limit above what Crossplane accepts',
      policy: { limits: { maxResponseBytes: 8388608 } },
      want: 'input.policy.limits.maxResponseBytes',
    },
    {
      reason: 'a remote cluster rule without tenants',
      policy: { remoteClusters: [{ name: 'x' }] },
      want: 'input.policy.remoteClusters.0.tenants: Required value',
    },
  ])('$reason', async ({ policy, want }) => {
    const outcome = await run(request({ input: { ...INPUT, policy } }));
    expect(outcome.fatal).toMatch(/^invalid function input: /);
    expect(outcome.fatal).toContain(want);
  });
});

describe('response size', () => {
  it('refuses a response over the limit before Crossplane would', async () => {
    const objects = Array.from({ length: 40 }, (_, i) => ({
      manifest: manifest('ConfigMap', `cm-${i}`, 'team-a', 'v1', {
        data: { value: 'x'.repeat(900) },
      }),
    }));
    const connected = {
      'cluster-auth': {
        apiVersion: 'x/v1',
        kind: 'ClusterAuth',
        metadata: { name: 'x' },
        status: { conditions: READY },
      },
      'provider-config': {
        apiVersion: 'x/v1',
        kind: 'ClusterProviderConfig',
        metadata: { name: 'x' },
      },
    };
    const xr = exampleXR({
      spec: { cluster: { name: 'tfc-cluster12', region: 'eu-west-2' }, objects },
    });
    const small = await run(
      request({
        xr,
        observed: connected,
        input: { ...INPUT, policy: { limits: { maxResponseBytes: 20000 } } },
      }),
    );
    expect(small.fatal).toContain('over the limit of 20000 (input.policy.limits.maxResponseBytes');
    expect(Object.keys(small.resources)).toEqual([]);
    const roomy = await run(request({ xr, observed: connected, input: INPUT }));
    expect(roomy.fatal).toBeUndefined();
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CRDS_DIR, crdsAvailable, validateAgainstCRD } from './support/crds.js';
import { condition, exampleXR, request } from './support/fixtures.js';
import { run } from './support/run.js';

const READY = [condition('Ready', 'True', 'Available')];

if (!crdsAvailable) {
  // Visible in the test output, so a skipped schema check is never mistaken for a pass.
  console.warn(
    `CRD schema tests skipped: no CRDs at ${CRDS_DIR}; set CRDS_DIR to the folder of upstream CRDs`,
  );
}

const objects = [
  {
    key: 'tfc-example-secret',
    manifest: {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'tfc-example-secret', namespace: 'cluster12-tenant1' },
      data: { secret_information: 'c29tZXJ1YmJpc2gK' },
    },
  },
  {
    key: 'ingress',
    readOnly: true,
    readiness: {
      policy: 'DeriveFromCelQuery',
      celQuery: 'object.status.loadBalancer.ingress.size() > 0',
    },
    manifest: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'ingress', namespace: 'ingress' },
    },
  },
  {
    managementPolicies: ['Observe', 'Create', 'Update', 'LateInitialize'],
    readiness: { policy: 'AllTrue' },
    manifest: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'team-a' },
    },
  },
];

describe.skipIf(!crdsAvailable)('composed resources match the upstream CRDs', () => {
  it.each([
    { reason: 'cluster-scoped ClusterAuth with defaults', clusterAuth: {} },
    {
      reason: 'namespaced ClusterAuth with a ProviderConfig',
      clusterAuth: { apiVersion: 'eks.aws.m.upbound.io/v1beta1' },
    },
    {
      reason: 'namespaced ClusterAuth with a ClusterProviderConfig',
      clusterAuth: {
        apiVersion: 'eks.aws.m.upbound.io/v1beta1',
        providerConfigRef: { name: 'eks', kind: 'ClusterProviderConfig' },
      },
    },
  ])('$reason', async ({ clusterAuth }) => {
    const input = { apiVersion: 'remoteeks.fn.crossplane.io/v1alpha1', kind: 'Input', clusterAuth };
    const outcome = await run(
      request({
        xr: exampleXR({
          spec: { cluster: { name: 'tfc-cluster12', region: 'eu-west-2' }, objects },
        }),
        input,
        observed: {
          'cluster-auth': {
            apiVersion: 'x/v1',
            kind: 'ClusterAuth',
            metadata: { name: 'tfc-cluster12' },
            status: { conditions: READY },
          },
          'provider-config': {
            apiVersion: 'x/v1',
            kind: 'ClusterProviderConfig',
            metadata: { name: 'tfc-cluster12' },
          },
        },
      }),
    );
    expect(outcome.fatal).toBeUndefined();
    const kinds = new Set(Object.values(outcome.resources).map((r) => r.kind));
    expect([...kinds].sort()).toEqual(
      clusterAuth.apiVersion === 'eks.aws.m.upbound.io/v1beta1'
        ? ['ClusterAuth', 'ClusterProviderConfig', 'Object', 'Usage']
        : ['ClusterAuth', 'ClusterProviderConfig', 'ClusterUsage', 'Object', 'Usage'],
    );
    for (const [key, resource] of Object.entries(outcome.resources)) {
      expect(validateAgainstCRD(resource), key).toEqual([]);
    }
  });

  it.each([
    { reason: 'the example XRD is a valid CompositeResourceDefinition', file: 'examples/xrd.yaml' },
    { reason: 'the example Composition is a valid Composition', file: 'examples/composition.yaml' },
    { reason: 'the example Functions file holds valid Functions', file: 'examples/functions.yaml' },
  ])('$reason', ({ file }) => {
    const document = parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    expect(validateAgainstCRD(document)).toEqual([]);
  });

  it.each([
    {
      reason: 'a misspelt field, which the API server would prune',
      resource: {
        apiVersion: 'kubernetes.m.crossplane.io/v1alpha1',
        kind: 'ClusterProviderConfig',
        metadata: { name: 'x' },
        spec: {
          credentials: {
            source: 'Secret',
            secretRef: { namespace: 'a', name: 'b', key: 'kubeconfig' },
          },
          extra: 1,
        },
      },
    },
    {
      reason: 'a namespaced kind without a namespace',
      resource: {
        apiVersion: 'kubernetes.m.crossplane.io/v1alpha1',
        kind: 'Object',
        metadata: { name: 'x' },
        spec: { forProvider: { manifest: {} } },
      },
    },
    {
      reason: 'a required field left out',
      resource: {
        apiVersion: 'eks.aws.upbound.io/v1beta1',
        kind: 'ClusterAuth',
        metadata: { name: 'x' },
        spec: { forProvider: { clusterName: 'x' }, writeConnectionSecretToRef: { name: 'x' } },
      },
    },
  ])('the schema check rejects $reason', ({ resource }) => {
    expect(validateAgainstCRD(resource)).not.toEqual([]);
  });
});

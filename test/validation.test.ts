import { describe, expect, it } from 'vitest';
import { EXAMPLE_INPUT, exampleXR, request } from './support/fixtures.js';
import { run } from './support/run.js';

function withSpec(spec: unknown) {
  return exampleXR({ spec });
}

function withObjects(...objects: unknown[]) {
  return withSpec({ cluster: { name: 'tfc-cluster12', region: 'eu-west-2' }, objects });
}

const configMap = (name: string, extra: Record<string, unknown> = {}) => ({
  manifest: {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: 'team-a' },
    data: { a: 'b' },
  },
  ...extra,
});

describe('invalid XRs give a Fatal result naming the field, the value and the fix', () => {
  it.each([
    {
      reason: 'no spec at all',
      xr: exampleXR({ spec: undefined }),
      want: ['spec: Required value', 'spec.cluster.region'],
    },
    {
      reason: 'spec of the wrong type is not called missing',
      xr: exampleXR({ spec: 'hello' }),
      want: ['spec: Invalid value: "hello": must be an object, not string'],
    },
    {
      reason: 'a look-alike character is escaped in the message',
      xr: withObjects({
        manifest: {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'a', namespace: 'team-\u0430' },
        },
      }),
      want: ['"team-\\u0430"'],
    },
    {
      reason: 'missing region',
      xr: withSpec({ cluster: { name: 'tfc-cluster12' } }),
      want: ['spec.cluster.region: Required value', 'for example eu-west-2'],
    },
    {
      reason: 'region that is not an AWS region',
      xr: withSpec({ cluster: { name: 'c', region: 'europe' } }),
      want: ['spec.cluster.region: Invalid value: "europe"', 'eu-west-2'],
    },
    {
      reason: 'cluster name of the wrong type',
      xr: withSpec({ cluster: { name: 12, region: 'eu-west-2' } }),
      want: ['spec.cluster.name: Invalid value: 12', 'must be a string, not number'],
    },
    {
      reason: 'unknown field under cluster',
      xr: withSpec({ cluster: { name: 'c', region: 'eu-west-2', zone: 'a' } }),
      want: ['spec.cluster.zone: Forbidden'],
    },
    {
      reason: 'objects is not a list',
      xr: withSpec({ cluster: { name: 'c', region: 'eu-west-2' }, objects: { a: 1 } }),
      want: ['spec.objects: Invalid value', 'must be a list'],
    },
    {
      reason: 'manifest without kind',
      xr: withObjects({ manifest: { apiVersion: 'v1', metadata: { name: 'x', namespace: 'a' } } }),
      want: ['spec.objects[0].manifest.kind: Required value', 'for example ConfigMap'],
    },
    {
      reason: 'manifest without apiVersion',
      xr: withObjects({ manifest: { kind: 'ConfigMap', metadata: { name: 'x' } } }),
      want: ['spec.objects[0].manifest.apiVersion: Required value'],
    },
    {
      reason: 'manifest without a name',
      xr: withObjects({ manifest: { apiVersion: 'v1', kind: 'ConfigMap', metadata: {} } }),
      want: ['spec.objects[0].manifest.metadata.name: Required value'],
    },
    {
      reason: 'entry without a manifest',
      xr: withObjects({ key: 'a' }),
      want: ['spec.objects[0].manifest: Required value'],
    },
    {
      reason: 'name that is not an RFC 1123 subdomain',
      xr: withObjects({
        manifest: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'My_Config' } },
      }),
      want: ['spec.objects[0].manifest.metadata.name: Invalid value: "My_Config"'],
    },
    {
      reason: 'duplicate keys would make one composed resource replace the other',
      xr: withObjects(configMap('a', { key: 'same' }), configMap('b', { key: 'same' })),
      want: ['spec.objects[1].key: Duplicate value: "same"', 'spec.objects[0] has the same key'],
    },
    {
      reason: 'one remote object listed twice would have two Objects fight over it',
      xr: withObjects(configMap('a', { key: 'one' }), configMap('a', { key: 'two' })),
      want: ['spec.objects[1].manifest: Duplicate value', 'manages the same remote object'],
    },
    {
      reason: 'status inside a manifest',
      xr: withObjects({ manifest: { ...configMap('a').manifest, status: { phase: 'x' } } }),
      want: ['spec.objects[0].manifest.status: Forbidden'],
    },
    {
      reason: 'managedFields copied from a live object',
      xr: withObjects({
        manifest: {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'a', managedFields: [] },
        },
      }),
      want: ['spec.objects[0].manifest.metadata.managedFields: Forbidden'],
    },
    {
      reason: 'Secret data that is not base64',
      xr: withObjects({
        manifest: {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 's', namespace: 'a' },
          data: { pw: 'not base64!' },
        },
      }),
      want: ['spec.objects[0].manifest.data.pw: Invalid value', 'stringData'],
    },
    {
      reason: 'unknown per-object option',
      xr: withObjects(configMap('a', { deletionPolicy: 'Orphan' })),
      want: ['spec.objects[0].deletionPolicy: Forbidden', 'supported options are'],
    },
    {
      reason: 'unknown readiness policy',
      xr: withObjects(configMap('a', { readiness: { policy: 'Eventually' } })),
      want: [
        'spec.objects[0].readiness.policy: Unsupported value: "Eventually"',
        'DeriveFromCelQuery',
      ],
    },
    {
      reason: 'CEL readiness without a query',
      xr: withObjects(configMap('a', { readiness: { policy: 'DeriveFromCelQuery' } })),
      want: ['spec.objects[0].readiness.celQuery: Required value'],
    },
    {
      reason: 'readOnly contradicting managementPolicies',
      xr: withObjects(configMap('a', { readOnly: true, managementPolicies: ['*'] })),
      want: [
        'spec.objects[0].managementPolicies: Invalid value',
        'readOnly: true means ["Observe"]',
      ],
    },
    {
      reason: 'unknown management policy',
      xr: withObjects(configMap('a', { managementPolicies: ['Everything'] })),
      want: ['spec.objects[0].managementPolicies[0]: Unsupported value: "Everything"'],
    },
    {
      reason: 'status field with a broken path',
      xr: withObjects(configMap('a', { statusFields: [{ name: 'x', path: 'data..a' }] })),
      want: ['spec.objects[0].statusFields[0].path: Invalid value', 'empty key'],
    },
    {
      reason: 'status field copying Secret data without the platform allowing it',
      xr: withObjects({
        manifest: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'a' } },
        readOnly: true,
        statusFields: [{ name: 'password', path: 'data.password' }],
      }),
      want: ['spec.objects[0].statusFields[0].path: Forbidden', 'status.allowSecretData'],
    },
    {
      reason: 'status field reading the whole metadata of a Secret, annotations and all',
      xr: withObjects({
        manifest: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'a' } },
        readOnly: true,
        statusFields: [{ name: 'meta', path: 'metadata' }],
      }),
      want: ['spec.objects[0].statusFields[0].path: Forbidden: "metadata"'],
    },
    {
      reason: "status field reading kubectl's last-applied annotation of a Secret",
      xr: withObjects({
        manifest: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'a' } },
        readOnly: true,
        statusFields: [
          {
            name: 'ann',
            path: 'metadata.annotations[kubectl.kubernetes.io/last-applied-configuration]',
          },
        ],
      }),
      want: ['spec.objects[0].statusFields[0].path: Forbidden'],
    },
    {
      reason: 'status field reading managedFields of a Secret',
      xr: withObjects({
        manifest: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'a' } },
        readOnly: true,
        statusFields: [{ name: 'mf', path: 'metadata.managedFields' }],
      }),
      want: ['spec.objects[0].statusFields[0].path: Forbidden'],
    },
    {
      reason: 'invalid key',
      xr: withObjects(configMap('a', { key: 'Not A Label' })),
      want: ['spec.objects[0].key: Invalid value: "Not A Label"'],
    },
  ])('$reason', async ({ xr, want }) => {
    const outcome = await run(request({ xr }));
    expect(outcome.fatal).toBeDefined();
    expect(outcome.fatal).toMatch(/^invalid RemoteCluster tfc-cluster12: /);
    for (const fragment of want) {
      expect(outcome.fatal).toContain(fragment);
    }
  });

  it('a Fatal result keeps what earlier steps desired', async () => {
    const earlier = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'x', namespace: 'y' },
    };
    const outcome = await run(
      request({ xr: exampleXR({ spec: undefined }), desired: { other: earlier } }),
    );
    expect(outcome.fatal).toBeDefined();
    expect(outcome.resources).toEqual({ other: earlier });
  });

  it('a Secret value never appears in an error message', async () => {
    const xr = withObjects({
      manifest: {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 's', namespace: 'a' },
        data: { pw: 'hunter2!' },
      },
    });
    const outcome = await run(request({ xr }));
    expect(outcome.fatal).toBeDefined();
    expect(outcome.fatal).not.toContain('hunter2');
  });
});

describe('invalid function input gives a Fatal result naming the input field', () => {
  it.each([
    {
      reason: 'unknown ClusterAuth API',
      input: { ...EXAMPLE_INPUT, clusterAuth: { apiVersion: 'eks.aws.upbound.io/v1' } },
      want: ['input.clusterAuth.apiVersion: Unsupported value', 'eks.aws.m.upbound.io/v1beta1'],
    },
    {
      reason: 'misspelt field',
      input: { ...EXAMPLE_INPUT, objectz: {} },
      want: ['input.objectz: Forbidden'],
    },
    {
      reason: 'namespace that is not a label',
      input: { ...EXAMPLE_INPUT, objects: { namespace: 'Crossplane System' } },
      want: ['input.objects.namespace: Invalid value'],
    },
    {
      reason: 'a limit of the wrong type shows the value',
      input: { ...EXAMPLE_INPUT, policy: { limits: { maxManifestBytes: '1Mi' } } },
      want: ['input.policy.limits.maxManifestBytes: Invalid value: "1Mi": must be of type integer'],
    },
    {
      reason: 'wrong kind',
      input: { ...EXAMPLE_INPUT, kind: 'Resources' },
      want: ['input: Invalid value', 'remoteeks.fn.crossplane.io/v1alpha1'],
    },
    {
      reason: 'provider config without a name',
      input: { ...EXAMPLE_INPUT, clusterAuth: { providerConfigRef: {} } },
      want: ['input.clusterAuth.providerConfigRef.name: Required value'],
    },
  ])('$reason', async ({ input, want }) => {
    const outcome = await run(request({ input }));
    expect(outcome.fatal).toMatch(/^invalid function input: /);
    for (const fragment of want) {
      expect(outcome.fatal).toContain(fragment);
    }
  });

  it('no input at all uses the documented defaults', async () => {
    const outcome = await run(request({ input: undefined }));
    expect(outcome.fatal).toBeUndefined();
    expect(outcome.resources['cluster-auth']?.spec).toMatchObject({
      providerConfigRef: { name: 'default' },
    });
  });
});

describe('requests without a usable XR', () => {
  it.each([
    { reason: 'no observed composite', xr: undefined, want: 'no observed composite resource' },
    {
      reason: 'XR without a name',
      xr: { apiVersion: 'a/v1', kind: 'K', metadata: {} },
      want: 'metadata.name: Required value',
    },
    {
      reason: 'XR name that would make invalid composed names',
      xr: exampleXR({ metadata: { name: 'False' } }),
      want: 'metadata.name: Invalid value: "False": must be a lowercase RFC 1123 subdomain',
    },
    {
      reason: 'XR name with a NUL character',
      xr: exampleXR({ metadata: { name: '\u0000' } }),
      want: 'metadata.name: Invalid value',
    },
    {
      reason: 'XR namespace that is not a string',
      xr: exampleXR({ metadata: { name: 'app', namespace: 5 } }),
      want: 'metadata.namespace: Invalid value: 5: must be a lowercase RFC 1123 label',
    },
    {
      reason: 'XR namespace that is not an RFC 1123 label',
      xr: exampleXR({ metadata: { name: 'app', namespace: 'Team.A' } }),
      want: 'metadata.namespace: Invalid value: "Team.A"',
    },
  ])('$reason', async ({ xr, want }) => {
    const req = request({});
    req.observed = {
      composite: xr === undefined ? undefined : { resource: xr, connectionDetails: {}, ready: 0 },
      resources: {},
    };
    const outcome = await run(req);
    expect(outcome.fatal).toContain(want);
  });
});

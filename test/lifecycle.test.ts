import { Ready } from '@crossplane-org/function-sdk-typescript';
import { describe, expect, it } from 'vitest';
import { condition, exampleXR, observedFrom, request } from './support/fixtures.js';
import { run, type Outcome } from './support/run.js';

const READY = [
  condition('Ready', 'True', 'Available'),
  condition('Synced', 'True', 'ReconcileSuccess'),
];
const CREATING = [
  condition('Ready', 'False', 'Creating'),
  condition('Synced', 'True', 'ReconcileSuccess'),
];

const spec = (objects: unknown[]) => ({
  cluster: { name: 'tfc-cluster12', region: 'eu-west-2' },
  objects,
});
const configMap = (
  key: string,
  name: string,
  namespace = 'team-a',
  extra: Record<string, unknown> = {},
) => ({
  key,
  manifest: {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace },
    data: { k: 'v' },
  },
  ...extra,
});
const namespaceObject = (name: string) => ({
  key: `ns-${name}`,
  manifest: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
});

/** What Crossplane would observe after applying the previous desired state, with these statuses. */
function observe(previous: Outcome, statuses: Record<string, Record<string, unknown>>) {
  const observed: Record<string, Record<string, unknown>> = {};
  for (const [key, status] of Object.entries(statuses)) {
    const desired = previous.resources[key];
    if (desired === undefined)
      throw new Error(`test bug: ${key} was not desired in the previous call`);
    observed[key] = observedFrom(desired, status);
  }
  return observed;
}

function objectStatus(outcome: Outcome, key: string) {
  return (outcome.status.objects as Record<string, unknown>[]).find((o) => o.key === key);
}

describe('one XR through its life, call by call', () => {
  it('creates, waits, reports, keeps and removes as Crossplane calls it', async () => {
    const xr = exampleXR({
      spec: spec([configMap('web', 'web-config'), configMap('api', 'api-config')]),
    });

    // First call: nothing observed yet.
    const first = await run(request({ xr }));
    expect(first.fatal).toBeUndefined();
    expect(Object.keys(first.resources).sort()).toEqual([
      'cluster-auth',
      'cluster-auth-usage',
      'provider-config',
    ]);
    expect(first.ready['cluster-auth']).toBe(Ready.READY_FALSE);
    expect(first.compositeReady).toBe(Ready.READY_FALSE);
    expect(first.conditions.ClusterConnected).toMatchObject({
      status: 'False',
      reason: 'WaitingForClusterAuth',
    });
    expect(first.conditions.ObjectsReady).toMatchObject({
      status: 'False',
      reason: 'WaitingForConnection',
    });
    expect(objectStatus(first, 'web')).toMatchObject({
      phase: 'WaitingForConnection',
      ready: false,
    });

    // ClusterAuth exists but cannot sign in.
    const denied = await run(
      request({
        xr,
        observed: observe(first, {
          'cluster-auth': {
            conditions: [
              condition('Ready', 'False', 'Creating'),
              condition(
                'Synced',
                'False',
                'ReconcileError',
                'AccessDeniedException: not authorized to perform eks:DescribeCluster',
              ),
            ],
          },
          'provider-config': {},
          'cluster-auth-usage': {},
        }),
      }),
    );
    expect(Object.keys(denied.resources)).not.toContain('object-web');
    expect(denied.conditions.ClusterConnected).toMatchObject({
      status: 'False',
      reason: 'ClusterAuthNotReady',
    });
    expect(denied.conditions.ClusterConnected?.message).toContain('AccessDeniedException');
    expect(denied.ready['provider-config']).toBe(Ready.READY_TRUE);
    expect(denied.compositeReady).toBe(Ready.READY_FALSE);

    // ClusterAuth ready: Objects and their Usages appear.
    const connectedObserved = observe(first, {
      'cluster-auth': {
        conditions: READY,
        atProvider: { lastRefreshTime: '2026-12-04T10:00:00Z' },
      },
      'provider-config': {},
      'cluster-auth-usage': {},
    });
    const connected = await run(request({ xr, observed: connectedObserved }));
    expect(Object.keys(connected.resources).sort()).toEqual([
      'cluster-auth',
      'cluster-auth-usage',
      'object-api',
      'object-web',
      'provider-config',
      'usage-api',
      'usage-web',
    ]);
    expect(connected.ready['cluster-auth']).toBe(Ready.READY_TRUE);
    expect(connected.ready['object-web']).toBe(Ready.READY_FALSE);
    expect(connected.compositeReady).toBe(Ready.READY_UNSPECIFIED);
    expect(connected.conditions.ClusterConnected).toMatchObject({
      status: 'True',
      reason: 'Connected',
    });
    expect((connected.status.connection as Record<string, unknown>).lastRefreshTime).toBe(
      '2026-12-04T10:00:00Z',
    );
    expect(objectStatus(connected, 'web')).toMatchObject({ phase: 'Creating' });

    // Objects synced and ready.
    const readyObserved = {
      ...connectedObserved,
      ...observe(connected, {
        'object-web': { conditions: READY },
        'object-api': { conditions: READY },
        'usage-web': { conditions: READY },
        'usage-api': { conditions: READY },
      }),
    };
    const allReady = await run(request({ xr, observed: readyObserved }));
    expect(Object.values(allReady.ready).every((r) => r === Ready.READY_TRUE)).toBe(true);
    expect(allReady.conditions.ObjectsReady).toMatchObject({
      status: 'True',
      reason: 'AllObjectsReady',
    });
    expect(allReady.status.objectsReady).toBe('2/2');

    // One Object fails: the provider's message reaches the XR.
    const failingObserved = {
      ...readyObserved,
      ...observe(connected, {
        'object-api': {
          conditions: [
            condition('Ready', 'False', 'Unavailable'),
            condition('Synced', 'False', 'ReconcileError', 'cannot create object: Unauthorized'),
          ],
        },
      }),
    };
    const failing = await run(request({ xr, observed: failingObserved }));
    expect(failing.ready['object-api']).toBe(Ready.READY_FALSE);
    expect(objectStatus(failing, 'api')).toMatchObject({ phase: 'SyncFailed', synced: false });
    expect(objectStatus(failing, 'api')?.message).toContain('cannot create object: Unauthorized');
    expect(objectStatus(failing, 'api')?.message).toContain('EKS access entry');
    expect(failing.conditions.ObjectsReady).toMatchObject({
      status: 'False',
      reason: 'ObjectsFailing',
    });
    expect(failing.conditions.ObjectsReady?.message).toContain('1 of 2 objects are ready');

    // ClusterAuth turns unready and a new object is added: existing Objects
    // stay, the new one waits.
    const grown = exampleXR({
      spec: spec([
        configMap('web', 'web-config'),
        configMap('api', 'api-config'),
        configMap('db', 'db-config'),
      ]),
    });
    const unready = await run(
      request({
        xr: grown,
        observed: {
          ...failingObserved,
          'cluster-auth': observedFrom(connected.resources['cluster-auth']!, {
            conditions: CREATING,
          }),
        },
      }),
    );
    expect(unready.resources['object-web']).toBeDefined();
    expect(unready.resources['object-api']).toBeDefined();
    expect(unready.resources['usage-web']).toBeDefined();
    expect(unready.resources['object-db']).toBeUndefined();
    expect(objectStatus(unready, 'db')).toMatchObject({ phase: 'WaitingForConnection' });
    expect(unready.compositeReady).toBe(Ready.READY_FALSE);

    // A removed object's Object and Usage leave desired state, and its status entry goes.
    const shrunk = exampleXR({ spec: spec([configMap('web', 'web-config')]) });
    const removed = await run(request({ xr: shrunk, observed: readyObserved }));
    expect(removed.resources['object-api']).toBeUndefined();
    expect(removed.resources['usage-api']).toBeUndefined();
    expect(removed.resources['object-web']).toBeDefined();
    expect((removed.status.objects as unknown[]).length).toBe(1);
    expect(removed.status.objectsReady).toBe('1/1');

    // Deleting the XR: everything observed stays desired, nothing new is created.
    const deleting = exampleXR({
      metadata: { name: 'tfc-cluster12', deletionTimestamp: '2026-12-04T11:00:00Z' },
      spec: spec([configMap('web', 'web-config'), configMap('new', 'new-config')]),
    });
    const deletion = await run(request({ xr: deleting, observed: readyObserved }));
    expect(deletion.resources['object-web']).toBeDefined();
    expect(deletion.resources['usage-web']).toBeDefined();
    expect(deletion.resources['cluster-auth']).toBeDefined();
    expect(deletion.resources['object-new']).toBeUndefined();
    expect(objectStatus(deletion, 'new')).toMatchObject({ phase: 'WaitingForDeletion' });
  });
});

describe('objects in a namespace the XR creates', () => {
  const xr = exampleXR({
    spec: spec([namespaceObject('team-b'), configMap('web', 'web-config', 'team-b')]),
  });
  const connected = {
    'cluster-auth': {
      apiVersion: 'eks.aws.upbound.io/v1beta1',
      kind: 'ClusterAuth',
      metadata: { name: 'tfc-cluster12' },
      status: { conditions: READY },
    },
    'provider-config': {
      apiVersion: 'kubernetes.m.crossplane.io/v1alpha1',
      kind: 'ClusterProviderConfig',
      metadata: { name: 'tfc-cluster12' },
    },
  };
  const namespaceObserved = (conditions: unknown[]) => ({
    apiVersion: 'kubernetes.m.crossplane.io/v1alpha1',
    kind: 'Object',
    metadata: { name: 'tfc-cluster12.ns-team-b', namespace: 'crossplane-system' },
    status: { conditions },
  });

  it.each([
    {
      reason: 'the Namespace is created first, the object waits',
      observed: connected,
      wantNamespace: true,
      wantObject: false,
    },
    {
      reason: 'the object still waits while the Namespace object is not ready',
      observed: { ...connected, 'object-ns-team-b': namespaceObserved(CREATING) },
      wantNamespace: true,
      wantObject: false,
    },
    {
      reason: 'the object follows once the Namespace object is ready',
      observed: { ...connected, 'object-ns-team-b': namespaceObserved(READY) },
      wantNamespace: true,
      wantObject: true,
    },
  ])('$reason', async ({ observed, wantNamespace, wantObject }) => {
    const input = {
      apiVersion: 'remoteeks.fn.crossplane.io/v1alpha1',
      kind: 'Input',
      policy: { kinds: { clusterScoped: ['Namespace'] } },
    };
    const outcome = await run(request({ xr, observed, input }));
    expect(outcome.resources['object-ns-team-b'] !== undefined).toBe(wantNamespace);
    expect(outcome.resources['object-web'] !== undefined).toBe(wantObject);
    if (!wantObject) {
      expect(objectStatus(outcome, 'web')).toMatchObject({ phase: 'WaitingForNamespace' });
      expect(objectStatus(outcome, 'web')?.message).toContain('namespace team-b');
    }
  });
});

describe('observed conditions with fields that are not strings', () => {
  const connected = {
    'cluster-auth': {
      apiVersion: 'eks.aws.upbound.io/v1beta1',
      kind: 'ClusterAuth',
      metadata: { name: 'tfc-cluster12' },
      status: { conditions: READY },
    },
    'provider-config': {
      apiVersion: 'kubernetes.m.crossplane.io/v1alpha1',
      kind: 'ClusterProviderConfig',
      metadata: { name: 'tfc-cluster12' },
    },
  };
  const observedObject = (conditions: unknown[]) => ({
    apiVersion: 'kubernetes.m.crossplane.io/v1alpha1',
    kind: 'Object',
    metadata: { name: 'tfc-cluster12-web', namespace: 'crossplane-system' },
    status: { conditions },
  });

  it.each([
    {
      reason: 'a Ready message that is an object',
      conditions: [{ type: 'Ready', status: 'False', reason: 'Available', message: { a: 'x' } }],
      wantPhase: 'NotReady',
      wantMessage: 'Available',
    },
    {
      reason: 'a Synced message that is a number',
      conditions: [{ type: 'Synced', status: 'False', reason: 'ReconcileError', message: 5 }],
      wantPhase: 'SyncFailed',
      wantMessage: 'ReconcileError',
    },
    {
      reason: 'a Synced message and reason that are not strings',
      conditions: [{ type: 'Synced', status: 'False', reason: ['x'], message: null }],
      wantPhase: 'SyncFailed',
      wantMessage: 'the provider could not apply this object',
    },
  ])('$reason', async ({ conditions, wantPhase, wantMessage }) => {
    const xr = exampleXR({ spec: spec([configMap('web', 'web-config')]) });
    const observed = { ...connected, 'object-web': observedObject(conditions) };
    const outcome = await run(request({ xr, observed }));
    expect(outcome.fatal).toBeUndefined();
    expect(outcome.resources['object-web']?.kind).toBe('Object');
    expect(objectStatus(outcome, 'web')).toMatchObject({ phase: wantPhase, message: wantMessage });
  });
});

describe('observed Usages while the shared cluster is not found', () => {
  const xr = {
    apiVersion: 'remote.example.org/v1alpha1',
    kind: 'RemoteObjects',
    metadata: { name: 'app', namespace: 'team-a' },
    spec: { remoteClusterRef: { name: 'tfc-cluster12' }, objects: [configMap('web', 'web')] },
  };
  const input = {
    apiVersion: 'remoteeks.fn.crossplane.io/v1alpha1',
    kind: 'Input',
    policy: { remoteClusters: [{ name: 'tfc-cluster12', tenants: ['team-a'] }] },
  };
  const observedUsage = (resourceRef: Record<string, unknown>) => ({
    apiVersion: 'protection.crossplane.io/v1beta1',
    kind: 'Usage',
    metadata: { name: 'app-web', namespace: 'team-a' },
    spec: {
      of: { apiVersion: 'v1', kind: 'Secret', resourceRef },
      by: {
        apiVersion: 'kubernetes.m.crossplane.io/v1alpha1',
        kind: 'Object',
        resourceRef: { name: 'app-web' },
      },
      replayDeletion: true,
    },
  });
  const observedObject = {
    apiVersion: 'kubernetes.m.crossplane.io/v1alpha1',
    kind: 'Object',
    metadata: { name: 'app-web', namespace: 'team-a' },
    status: { conditions: READY },
  };

  it.each([
    {
      reason: 'a Usage of a namespaced Secret is kept',
      resourceRef: { name: 'tfc-cluster12-connection', namespace: 'crossplane-system' },
      wantUsage: true,
    },
    {
      reason: 'a Usage whose Secret has no namespace is dropped',
      resourceRef: { name: 'tfc-cluster12-connection' },
      wantUsage: false,
    },
  ])('$reason', async ({ resourceRef, wantUsage }) => {
    const observed = { 'object-web': observedObject, 'usage-web': observedUsage(resourceRef) };
    const outcome = await run(request({ xr, input, observed }));
    expect(outcome.fatal).toBeUndefined();
    expect(outcome.resources['object-web']?.kind).toBe('Object');
    if (wantUsage) {
      expect(outcome.resources['usage-web']).toMatchObject({ spec: { of: { resourceRef } } });
    } else {
      expect(outcome.resources['usage-web']).toBeUndefined();
    }
  });
});

describe('read-only objects and status fields', () => {
  const service = {
    key: 'ingress',
    readOnly: true,
    manifest: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'ingress-nginx', namespace: 'ingress' },
    },
    statusFields: [
      { name: 'hostname', path: 'status.loadBalancer.ingress[0].hostname' },
      { name: 'missing', path: 'status.nothing' },
      { name: 'annotation', path: 'metadata.annotations[example.org/owner]' },
    ],
  };
  const secret = {
    key: 'token',
    readOnly: true,
    manifest: {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'token', namespace: 'ingress' },
    },
    statusFields: [{ name: 'token', path: 'data.token' }],
  };
  const connected = {
    'cluster-auth': {
      apiVersion: 'eks.aws.upbound.io/v1beta1',
      kind: 'ClusterAuth',
      metadata: { name: 'tfc-cluster12' },
      status: { conditions: READY },
    },
    'provider-config': {
      apiVersion: 'kubernetes.m.crossplane.io/v1alpha1',
      kind: 'ClusterProviderConfig',
      metadata: { name: 'tfc-cluster12' },
    },
  };
  const observedRemote = (name: string, manifest: Record<string, unknown>) => ({
    apiVersion: 'kubernetes.m.crossplane.io/v1alpha1',
    kind: 'Object',
    metadata: { name, namespace: 'crossplane-system' },
    status: { conditions: READY, atProvider: { manifest } },
  });

  it('copies selected fields of the observed remote object into the XR status', async () => {
    const xr = exampleXR({ spec: spec([service]) });
    const outcome = await run(
      request({
        xr,
        observed: {
          ...connected,
          'object-ingress': observedRemote('tfc-cluster12.ingress', {
            ...service.manifest,
            metadata: {
              ...service.manifest.metadata,
              annotations: { 'example.org/owner': 'platform' },
            },
            status: { loadBalancer: { ingress: [{ hostname: 'abc.elb.amazonaws.com' }] } },
          }),
        },
      }),
    );
    expect(
      (outcome.resources['object-ingress']?.spec as Record<string, unknown>).managementPolicies,
    ).toEqual(['Observe']);
    expect(objectStatus(outcome, 'ingress')?.fields).toEqual({
      hostname: 'abc.elb.amazonaws.com',
      annotation: 'platform',
    });
  });

  it.each([
    {
      reason: 'Secret data is refused without the platform allowing it',
      allow: false,
      wantFatal: true,
    },
    { reason: 'Secret data is copied when the platform allows it', allow: true, wantFatal: false },
  ])('$reason', async ({ allow, wantFatal }) => {
    const xr = exampleXR({ spec: spec([secret]) });
    const input = {
      apiVersion: 'remoteeks.fn.crossplane.io/v1alpha1',
      kind: 'Input',
      status: { allowSecretData: allow },
    };
    const outcome = await run(
      request({
        xr,
        input,
        observed: {
          ...connected,
          'object-token': observedRemote('tfc-cluster12.token', {
            ...secret.manifest,
            data: { token: 'dG9rZW4=' },
          }),
        },
      }),
    );
    expect(outcome.fatal !== undefined).toBe(wantFatal);
    if (!wantFatal) expect(objectStatus(outcome, 'token')?.fields).toEqual({ token: 'dG9rZW4=' });
  });
});

describe('pipeline composition', () => {
  it('passes earlier steps through and refuses to take over their keys', async () => {
    const earlier = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'x', namespace: 'y' },
    };
    const kept = await run(request({ desired: { 'from-earlier-step': earlier } }));
    expect(kept.resources['from-earlier-step']).toEqual(earlier);

    const clash = await run(request({ desired: { 'cluster-auth': earlier } }));
    expect(clash.fatal).toContain(
      'composed resource key "cluster-auth" is already used by an earlier pipeline step',
    );
  });

  it.each([
    { reason: 'the first key it composes', key: 'cluster-auth', connected: false },
    {
      reason: 'a later key, after ClusterAuth was composed',
      key: 'provider-config',
      connected: false,
    },
    { reason: "an Object's key", key: 'object-tfc-example-secret', connected: true },
  ])('clash on $key keeps desired state', async ({ key, connected }) => {
    const earlier = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } };
    const observed: Record<string, Record<string, unknown>> = connected
      ? {
          'cluster-auth': {
            apiVersion: 'eks.aws.upbound.io/v1beta1',
            kind: 'ClusterAuth',
            metadata: { name: 'tfc-cluster12' },
            status: { conditions: READY },
          },
          'provider-config': {
            apiVersion: 'kubernetes.m.crossplane.io/v1alpha1',
            kind: 'ClusterProviderConfig',
            metadata: { name: 'tfc-cluster12' },
          },
        }
      : {};
    const outcome = await run(request({ observed, desired: { [key]: earlier } }));
    expect(outcome.fatal).toContain(`composed resource key "${key}" is already used`);
    expect(outcome.resources).toEqual({ [key]: earlier });
    expect(outcome.rsp.desired?.composite).toBeUndefined();
    expect(outcome.rsp.requirements).toBeUndefined();
  });

  it('keys are stable when objects are reordered', async () => {
    const a = configMap('a', 'a');
    const b = configMap('b', 'b');
    const connected = {
      'cluster-auth': {
        apiVersion: 'eks.aws.upbound.io/v1beta1',
        kind: 'ClusterAuth',
        metadata: { name: 'tfc-cluster12' },
        status: { conditions: READY },
      },
      'provider-config': {
        apiVersion: 'kubernetes.m.crossplane.io/v1alpha1',
        kind: 'ClusterProviderConfig',
        metadata: { name: 'tfc-cluster12' },
      },
    };
    const one = await run(request({ xr: exampleXR({ spec: spec([a, b]) }), observed: connected }));
    const two = await run(request({ xr: exampleXR({ spec: spec([b, a]) }), observed: connected }));
    expect(two.resources).toEqual(one.resources);
  });

  it('desired composed resources are partial objects', async () => {
    const outcome = await run(request({}));
    for (const [key, body] of Object.entries(outcome.resources)) {
      const metadata = body.metadata as Record<string, unknown>;
      expect(body.status, key).toBeUndefined();
      for (const field of ['managedFields', 'resourceVersion', 'uid', 'creationTimestamp']) {
        expect(metadata[field], `${key} metadata.${field}`).toBeUndefined();
      }
    }
  });
});

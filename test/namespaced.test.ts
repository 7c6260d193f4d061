import { Ready, type RunFunctionRequest } from '@crossplane-org/function-sdk-typescript';
import { describe, expect, it } from 'vitest';
import { condition, observedFrom, request } from './support/fixtures.js';
import { run, type Outcome } from './support/run.js';

const READY = [
  condition('Ready', 'True', 'Available'),
  condition('Synced', 'True', 'ReconcileSuccess'),
];
const INPUT = {
  apiVersion: 'remoteeks.fn.crossplane.io/v1alpha1',
  kind: 'Input',
  policy: { remoteClusters: [{ name: 'tfc-cluster12', tenants: ['team-a', 'team-b'] }] },
};
const configMap = (key: string, namespace: string) => ({
  key,
  manifest: {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: key, namespace },
    data: { k: 'v' },
  },
});

const sharedXR = (namespace: string, objects: unknown[]) => ({
  apiVersion: 'remote.example.org/v1alpha1',
  kind: 'RemoteObjects',
  metadata: { name: 'app', namespace },
  spec: { remoteClusterRef: { name: 'tfc-cluster12' }, objects },
});

/** The platform's RemoteCluster as the function itself reported it in its status. */
const platformXR = (connected: boolean) => ({
  apiVersion: 'remote.example.org/v1alpha1',
  kind: 'RemoteCluster',
  metadata: { name: 'tfc-cluster12' },
  status: {
    conditions: [
      condition(
        'ClusterConnected',
        connected ? 'True' : 'False',
        connected ? 'Connected' : 'ClusterAuthNotReady',
        'x',
      ),
    ],
    connection: {
      providerConfig: { kind: 'ClusterProviderConfig', name: 'tfc-cluster12' },
      secret: { namespace: 'crossplane-system', name: 'tfc-cluster12-connection' },
    },
  },
});

function withRemoteCluster(
  req: RunFunctionRequest,
  remote: Record<string, unknown> | undefined,
): RunFunctionRequest {
  req.requiredResources = {
    'remote-cluster': {
      items: remote === undefined ? [] : [{ resource: remote, connectionDetails: {}, ready: 0 }],
    },
  };
  return req;
}

function objectStatus(outcome: Outcome, key: string) {
  return (outcome.status.objects as Record<string, unknown>[]).find((o) => o.key === key);
}

describe('a tenant on a shared remote cluster, call by call', () => {
  it('waits for the platform XR, wires to its ClusterProviderConfig and keeps Objects when it is gone', async () => {
    const xr = sharedXR('team-a', [configMap('web', 'team-a')]);

    const first = await run(request({ xr, input: INPUT }));
    expect(first.fatal).toBeUndefined();
    expect(first.rsp.requirements?.resources['remote-cluster']).toEqual({
      apiVersion: 'remote.example.org/v1alpha1',
      kind: 'RemoteCluster',
      matchName: 'tfc-cluster12',
    });
    expect(first.resources).toEqual({});
    expect(first.conditions.ClusterConnected).toMatchObject({
      status: 'False',
      reason: 'WaitingForRemoteCluster',
    });
    expect(first.compositeReady).toBe(Ready.READY_FALSE);

    const notConnected = await run(
      withRemoteCluster(request({ xr, input: INPUT }), platformXR(false)),
    );
    expect(notConnected.resources).toEqual({});
    expect(notConnected.conditions.ClusterConnected).toMatchObject({
      status: 'False',
      reason: 'RemoteClusterNotConnected',
    });

    const connected = await run(withRemoteCluster(request({ xr, input: INPUT }), platformXR(true)));
    expect(Object.keys(connected.resources).sort()).toEqual(['object-web', 'usage-web']);
    expect(connected.resources['object-web']).toMatchObject({
      metadata: { name: 'app.web', namespace: 'team-a' },
      spec: { providerConfigRef: { kind: 'ClusterProviderConfig', name: 'tfc-cluster12' } },
    });
    expect(connected.resources['usage-web']).toMatchObject({
      kind: 'Usage',
      metadata: { namespace: 'team-a' },
      spec: {
        of: {
          apiVersion: 'v1',
          kind: 'Secret',
          resourceRef: { name: 'tfc-cluster12-connection', namespace: 'crossplane-system' },
        },
        by: { kind: 'Object', resourceRef: { name: 'app.web' } },
      },
    });
    expect(connected.rsp.requirements?.resources['remote-cluster']).toEqual(
      first.rsp.requirements?.resources['remote-cluster'],
    );

    const observed = {
      'object-web': observedFrom(connected.resources['object-web']!, { conditions: READY }),
      'usage-web': observedFrom(connected.resources['usage-web']!, {}),
    };
    const ready = await run(
      withRemoteCluster(request({ xr, input: INPUT, observed }), platformXR(true)),
    );
    expect(ready.ready['object-web']).toBe(Ready.READY_TRUE);
    expect(ready.conditions.ObjectsReady).toMatchObject({ status: 'True' });

    // The platform XR cannot be read: existing Objects stay wired as they were.
    const gone = await run(withRemoteCluster(request({ xr, input: INPUT, observed }), undefined));
    expect(gone.resources['object-web']).toEqual(connected.resources['object-web']);
    expect(gone.resources['usage-web']).toEqual(connected.resources['usage-web']);
    expect(gone.conditions.ClusterConnected).toMatchObject({
      status: 'False',
      reason: 'WaitingForRemoteCluster',
    });
  });

  it("one tenant asking for the other tenant's remote namespace is refused by rule", async () => {
    const outcome = await run(
      withRemoteCluster(
        request({ xr: sharedXR('team-a', [configMap('web', 'team-b')]), input: INPUT }),
        platformXR(true),
      ),
    );
    expect(outcome.fatal).toContain("RemoteObjects team-a/app breaks the platform's policy");
    expect(outcome.fatal).toContain(
      'remote namespace team-b is not allowed for tenant team-a; allowed: team-a',
    );
  });

  it('two tenants with the same XR name compose into their own namespaces', async () => {
    const a = await run(
      withRemoteCluster(
        request({ xr: sharedXR('team-a', [configMap('web', 'team-a')]), input: INPUT }),
        platformXR(true),
      ),
    );
    const b = await run(
      withRemoteCluster(
        request({ xr: sharedXR('team-b', [configMap('web', 'team-b')]), input: INPUT }),
        platformXR(true),
      ),
    );
    const namespaceOf = (o: Outcome) =>
      (o.resources['object-web']?.metadata as Record<string, string>).namespace;
    expect(namespaceOf(a)).toBe('team-a');
    expect(namespaceOf(b)).toBe('team-b');
  });
});

describe('a self-contained tenant, call by call', () => {
  const xr = {
    apiVersion: 'remote.example.org/v1alpha1',
    kind: 'TenantRemoteCluster',
    metadata: { name: 'app', namespace: 'team-a' },
    spec: {
      cluster: {
        name: 'team-a-cluster',
        region: 'eu-west-1',
        providerConfigRef: { name: 'team-a-aws' },
      },
      objects: [configMap('web', 'team-a')],
    },
  };
  const input = { apiVersion: 'remoteeks.fn.crossplane.io/v1alpha1', kind: 'Input' };

  it('composes everything in its namespace and orders deletion with a chain of Usages', async () => {
    const first = await run(request({ xr, input }));
    expect(first.fatal).toBeUndefined();
    expect(first.resources['cluster-auth']).toEqual({
      apiVersion: 'eks.aws.m.upbound.io/v1beta1',
      kind: 'ClusterAuth',
      metadata: { name: 'app', namespace: 'team-a' },
      spec: {
        forProvider: { clusterName: 'team-a-cluster', region: 'eu-west-1' },
        providerConfigRef: { kind: 'ProviderConfig', name: 'team-a-aws' },
        writeConnectionSecretToRef: { name: 'app-connection' },
      },
    });
    expect(first.resources['provider-config']).toMatchObject({
      kind: 'ProviderConfig',
      metadata: { name: 'app', namespace: 'team-a' },
      spec: {
        credentials: {
          secretRef: { namespace: 'team-a', name: 'app-connection', key: 'kubeconfig' },
        },
      },
    });
    expect(first.resources['cluster-auth-usage']).toMatchObject({
      kind: 'Usage',
      metadata: { namespace: 'team-a' },
      spec: {
        of: { kind: 'ClusterAuth', resourceRef: { name: 'app', namespace: 'team-a' } },
        by: { kind: 'ProviderConfig' },
      },
    });
    expect(first.resources['object-web']).toBeUndefined();
    expect(objectStatus(first, 'web')).toMatchObject({ phase: 'WaitingForConnection' });

    const connected = await run(
      request({
        xr,
        input,
        observed: {
          'cluster-auth': observedFrom(first.resources['cluster-auth']!, { conditions: READY }),
          'provider-config': observedFrom(first.resources['provider-config']!),
        },
      }),
    );
    expect(connected.resources['object-web']).toMatchObject({
      metadata: { namespace: 'team-a' },
      spec: { providerConfigRef: { kind: 'ProviderConfig', name: 'app' } },
    });
    expect(connected.resources['usage-web']).toMatchObject({
      spec: {
        of: { kind: 'ProviderConfig', resourceRef: { name: 'app', namespace: 'team-a' } },
        by: { resourceRef: { name: 'app.web' } },
      },
    });
  });
});

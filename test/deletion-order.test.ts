import { describe, expect, it } from 'vitest';
import { condition, exampleXR, request } from './support/fixtures.js';
import { run } from './support/run.js';

/**
 * A small model of how Kubernetes and Crossplane delete a cluster-scoped XR's
 * composed resources with foreground cascading: every composed resource gets
 * a delete at once, and each goes as soon as nothing holds it.
 *
 * What holds what, as the real controllers do it:
 * - a Usage or ClusterUsage blocks deleting its `of` while its `by` exists,
 *   except that Crossplane's webhook never finds a namespaced Usage whose
 *   `of` is cluster-scoped, so such a Usage blocks nothing;
 * - a Usage itself goes once its `by` is gone;
 * - nothing else holds a provider config: provider-kubernetes' own
 *   ProviderConfigUsages are deleted first during foreground deletion;
 * - the kubeconfig Secret is owned by the ClusterAuth and garbage collected
 *   after it;
 * - an Object can only be deleted while its ClusterProviderConfig and Secret
 *   exist; otherwise it is stranded on its finalizer.
 */
interface Node {
  id: string;
  kind: string;
  namespaced: boolean;
  of?: string;
  by?: string;
  usageNamespaced?: boolean;
}

const CLUSTER_SCOPED_KINDS = new Set(['ClusterProviderConfig', 'ClusterUsage']);

function refId(ref: Record<string, unknown>, defaultNamespace?: string): string {
  const resourceRef = ref.resourceRef as Record<string, string>;
  const namespace = resourceRef.namespace ?? defaultNamespace ?? '';
  return `${String(ref.kind)}/${namespace}/${resourceRef.name}`;
}

function nodeId(resource: Record<string, unknown>): string {
  const metadata = resource.metadata as Record<string, string>;
  return `${String(resource.kind)}/${metadata.namespace ?? ''}/${metadata.name}`;
}

function simulateDeletion(resources: Record<string, Record<string, unknown>>, secretId: string) {
  const nodes = new Map<string, Node>();
  for (const resource of Object.values(resources)) {
    const id = nodeId(resource);
    const kind = String(resource.kind);
    const namespace = (resource.metadata as Record<string, string>).namespace;
    const node: Node = { id, kind, namespaced: namespace !== undefined };
    if (kind === 'Usage' || kind === 'ClusterUsage') {
      const spec = resource.spec as Record<string, Record<string, unknown>>;
      node.of = refId(spec.of!, kind === 'Usage' ? namespace : undefined);
      node.by = refId(spec.by!, kind === 'Usage' ? namespace : undefined);
      node.usageNamespaced = kind === 'Usage';
    }
    nodes.set(id, node);
  }
  nodes.set(secretId, { id: secretId, kind: 'Secret', namespaced: true });

  const isClusterScoped = (id: string) => {
    const kind = id.split('/')[0]!;
    const node = nodes.get(id);
    return node !== undefined
      ? !node.namespaced
      : CLUSTER_SCOPED_KINDS.has(kind) || id.split('/')[1] === '';
  };
  const blocked = (id: string) =>
    [...nodes.values()].some(
      (u) =>
        u.of === id &&
        u.by !== undefined &&
        nodes.has(u.by) &&
        !(u.usageNamespaced && isClusterScoped(id)),
    );

  // Worst case for the Objects: within one step everything else that can go
  // goes first, then each Object needs its credentials to still be there.
  const canGo = (node: Node): boolean => {
    switch (node.kind) {
      case 'Secret':
        return ![...nodes.values()].some((n) => n.kind === 'ClusterAuth') && !blocked(node.id);
      case 'Usage':
      case 'ClusterUsage':
        return !nodes.has(node.by!);
      default:
        return !blocked(node.id);
    }
  };
  const stranded: string[] = [];
  const order: string[][] = [];
  for (let step = 0; step < 20 && nodes.size > 0; step += 1) {
    const gone: string[] = [];
    let progress = true;
    while (progress) {
      progress = false;
      for (const node of nodes.values()) {
        if (node.kind !== 'Object' && canGo(node)) {
          nodes.delete(node.id);
          gone.push(node.kind);
          progress = true;
        }
      }
    }
    const hasCredentials =
      [...nodes.values()].some(
        (n) => n.kind === 'ClusterProviderConfig' || n.kind === 'ProviderConfig',
      ) && nodes.has(secretId);
    for (const node of [...nodes.values()].filter((n) => n.kind === 'Object')) {
      if (!hasCredentials) {
        stranded.push(node.id);
        continue;
      }
      if (!blocked(node.id)) {
        nodes.delete(node.id);
        gone.push(node.kind);
      }
    }
    if (stranded.length > 0) break;
    order.push(gone);
  }
  return { stranded, remaining: [...nodes.keys()], order };
}

const READY = [
  condition('Ready', 'True', 'Available'),
  condition('Synced', 'True', 'ReconcileSuccess'),
];
const objects = ['a', 'b', 'c'].map((name) => ({
  key: name,
  manifest: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'team-a' } },
}));

describe('deletion order of the composed resources', () => {
  const connected = {
    'cluster-auth': {
      apiVersion: 'x/v1',
      kind: 'ClusterAuth',
      metadata: { name: 'tfc-cluster12' },
      status: { conditions: READY },
    },
    'provider-config': {
      apiVersion: 'x/v1',
      kind: 'ProviderConfig',
      metadata: { name: 'tfc-cluster12' },
    },
  };

  it.each([
    {
      reason:
        'namespaced layout of a cluster-scoped XR: Objects go before the ProviderConfig, the ClusterAuth and its Secret',
      xr: exampleXR({ spec: { cluster: { name: 'tfc-cluster12', region: 'eu-west-2' }, objects } }),
      input: { objects: { namespace: 'tenant-objects', providerConfigKind: 'ProviderConfig' } },
      secret: 'Secret/tenant-objects/tfc-cluster12-connection',
    },
    {
      reason: 'a namespaced XR with its own cluster: the same chain in its namespace',
      xr: {
        apiVersion: 'remote.example.org/v1alpha1',
        kind: 'TenantRemoteCluster',
        metadata: { name: 'tfc-cluster12', namespace: 'team-a' },
        spec: { cluster: { name: 'tfc-cluster12', region: 'eu-west-2' }, objects },
      },
      input: {},
      secret: 'Secret/team-a/tfc-cluster12-connection',
    },
  ])('$reason', async ({ xr, input, secret }) => {
    const ready = await run(
      request({
        xr,
        input: { apiVersion: 'remoteeks.fn.crossplane.io/v1alpha1', kind: 'Input', ...input },
        observed: connected,
      }),
    );
    expect(ready.fatal).toBeUndefined();
    expect(Object.keys(ready.resources).filter((k) => k.startsWith('object-'))).toHaveLength(3);

    const result = simulateDeletion(ready.resources, secret);
    expect(result.stranded).toEqual([]);
    expect(result.remaining).toEqual([]);
    const objectsGoneAt = result.order.findIndex((step) => step.includes('Object'));
    const credentialsGoneAt = result.order.findIndex((step) =>
      step.some((kind) => ['ClusterAuth', 'Secret', 'ProviderConfig'].includes(kind)),
    );
    expect(objectsGoneAt).toBeLessThan(credentialsGoneAt);
  });

  it.each([
    {
      reason: 'cluster-scoped ClusterAuth',
      clusterAuth: { apiVersion: 'eks.aws.upbound.io/v1beta1' },
    },
    {
      reason: 'namespaced ClusterAuth',
      clusterAuth: { apiVersion: 'eks.aws.m.upbound.io/v1beta1' },
    },
  ])(
    'with the shared ClusterProviderConfig and a $reason only the config itself can go first',
    async ({ clusterAuth }) => {
      // The documented gap of the default layout: the Secret and the
      // ClusterAuth are held, but no Usage can hold a ClusterProviderConfig
      // for namespaced Objects.
      const xr = exampleXR({
        spec: { cluster: { name: 'tfc-cluster12', region: 'eu-west-2' }, objects },
      });
      const ready = await run(
        request({
          xr,
          input: { apiVersion: 'remoteeks.fn.crossplane.io/v1alpha1', kind: 'Input', clusterAuth },
          observed: connected,
        }),
      );
      const result = simulateDeletion(
        ready.resources,
        'Secret/crossplane-system/tfc-cluster12-connection',
      );
      expect(result.stranded).toHaveLength(3);
      expect(result.remaining).not.toContain('ClusterProviderConfig//tfc-cluster12');
      expect(result.remaining).toContain('Secret/crossplane-system/tfc-cluster12-connection');
    },
  );

  it('the model catches a Usage that cannot block: a namespaced Usage of the cluster-scoped ClusterAuth', () => {
    const resources = {
      auth: { kind: 'ClusterAuth', metadata: { name: 'x' } },
      pc: { kind: 'ClusterProviderConfig', metadata: { name: 'x' } },
      obj: { kind: 'Object', metadata: { name: 'o', namespace: 'ns' } },
      usage: {
        kind: 'Usage',
        metadata: { name: 'u', namespace: 'ns' },
        spec: {
          of: { kind: 'ClusterAuth', resourceRef: { name: 'x' } },
          by: { kind: 'Object', resourceRef: { name: 'o' } },
        },
      },
    };
    // Without the namespaced-Usage rule the ClusterAuth would look protected.
    const nodesOf = simulateDeletion(
      resources as Record<string, Record<string, unknown>>,
      'Secret/ns/x-connection',
    );
    expect(nodesOf.stranded).toEqual(['Object/ns/o']);
  });
});

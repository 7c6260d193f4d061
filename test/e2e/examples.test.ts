import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { runRenderCli } from '../support/cli.js';
import { crdsAvailable, validateAgainstCRD } from '../support/crds.js';
import { REPOSITORY_ROOT, startFunctionServer, type FunctionServer } from '../support/server.js';

type JsonObject = Record<string, unknown>;

/** The blog post the bundled example follows lives beside the repository, like the CRDs. */
const SEEDS_DIR = process.env.SEEDS_DIR ?? resolve(REPOSITORY_ROOT, '../shared/seeds');
const seedsAvailable = existsSync(SEEDS_DIR);
if (!seedsAvailable) {
  console.warn(`blog post comparison skipped: no seeds at ${SEEDS_DIR}; set SEEDS_DIR`);
}

/** The YAML manifests in the blog post's code blocks, by kind. */
function blogManifests(): Map<string, JsonObject> {
  const manifests = new Map<string, JsonObject>();
  for (const file of readdirSync(SEEDS_DIR)) {
    const text = readFileSync(join(SEEDS_DIR, file), 'utf8');
    for (const block of text.matchAll(/```yaml\n([\s\S]*?)```/g)) {
      for (const document of parseAllDocuments(block[1] ?? '')) {
        const manifest = document.toJS() as JsonObject | null;
        if (manifest !== null && typeof manifest.kind === 'string')
          manifests.set(manifest.kind, manifest);
      }
    }
  }
  return manifests;
}

function documents(stdout: string): JsonObject[] {
  return parseAllDocuments(stdout).map((d) => d.toJS() as JsonObject);
}

function byKey(docs: JsonObject[]): Map<string, JsonObject> {
  const map = new Map<string, JsonObject>();
  for (const doc of docs.slice(1)) {
    const metadata = doc.metadata as { annotations: Record<string, string> };
    map.set(metadata.annotations['crossplane.io/composition-resource-name']!, doc);
  }
  return map;
}

function get(object: unknown, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>((value, key) => (value as JsonObject | undefined)?.[key], object);
}

const FUNCTIONS = 'examples/functions.yaml';

describe('every bundled example renders through the real server', () => {
  let server: FunctionServer;
  const render = (args: string[]) =>
    runRenderCli([...args, '--function-address', `function-remote-eks=${server.address}`]);

  beforeAll(async () => {
    server = await startFunctionServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  it.each([
    {
      reason: 'first reconcile of the blog post XR: the connection only',
      args: ['examples/xr.yaml', 'examples/composition.yaml', FUNCTIONS],
      keys: ['cluster-auth', 'cluster-auth-usage', 'provider-config'],
      ready: 'False',
    },
    {
      reason: 'ClusterAuth still signing in: Objects wait',
      args: [
        'examples/xr.yaml',
        'examples/composition.yaml',
        FUNCTIONS,
        '-o',
        'examples/observed/1-signing-in.yaml',
      ],
      keys: ['cluster-auth', 'cluster-auth-usage', 'provider-config'],
      ready: 'False',
    },
    {
      reason: 'connected: the Object and its Usage follow',
      args: [
        'examples/xr.yaml',
        'examples/composition.yaml',
        FUNCTIONS,
        '-o',
        'examples/observed/2-connected.yaml',
      ],
      keys: [
        'cluster-auth',
        'cluster-auth-usage',
        'object-tfc-example-secret',
        'provider-config',
        'usage-tfc-example-secret',
      ],
      ready: 'False',
    },
    {
      reason: 'a failing Object keeps its place and its message reaches the XR',
      args: [
        'examples/xr.yaml',
        'examples/composition.yaml',
        FUNCTIONS,
        '-o',
        'examples/observed/3-object-failing.yaml',
      ],
      keys: [
        'cluster-auth',
        'cluster-auth-usage',
        'object-tfc-example-secret',
        'provider-config',
        'usage-tfc-example-secret',
      ],
      ready: 'False',
      xrStatus: {
        'status.objects': [
          expect.objectContaining({
            phase: 'SyncFailed',
            message: expect.stringContaining('Unauthorized'),
          }),
        ],
      },
    },
    {
      reason: 'everything ready: the XR is Ready',
      args: [
        'examples/xr.yaml',
        'examples/composition.yaml',
        FUNCTIONS,
        '-o',
        'examples/observed/4-ready.yaml',
      ],
      keys: [
        'cluster-auth',
        'cluster-auth-usage',
        'object-tfc-example-secret',
        'provider-config',
        'usage-tfc-example-secret',
      ],
      ready: 'True',
    },
    {
      reason: 'tenant team-a on the shared cluster',
      args: [
        'examples/shared-cluster/xr-team-a.yaml',
        'examples/shared-cluster/composition.yaml',
        FUNCTIONS,
        '-e',
        'examples/shared-cluster/remote-cluster.yaml',
      ],
      keys: ['object-app-config', 'usage-app-config'],
      ready: 'False',
    },
    {
      reason: 'tenant team-b on the shared cluster',
      args: [
        'examples/shared-cluster/xr-team-b.yaml',
        'examples/shared-cluster/composition.yaml',
        FUNCTIONS,
        '-e',
        'examples/shared-cluster/remote-cluster.yaml',
      ],
      keys: ['object-app-config', 'usage-app-config'],
      ready: 'False',
    },
    {
      reason: 'a tenant before the platform connected the shared cluster',
      args: [
        'examples/shared-cluster/xr-team-a.yaml',
        'examples/shared-cluster/composition.yaml',
        FUNCTIONS,
      ],
      keys: [],
      ready: 'False',
    },
    {
      reason: 'a self-contained tenant, first reconcile',
      args: [
        'examples/tenant-cluster/xr.yaml',
        'examples/tenant-cluster/composition.yaml',
        FUNCTIONS,
      ],
      keys: ['cluster-auth', 'cluster-auth-usage', 'provider-config'],
      ready: 'False',
    },
    {
      reason: 'a self-contained tenant, connected',
      args: [
        'examples/tenant-cluster/xr.yaml',
        'examples/tenant-cluster/composition.yaml',
        FUNCTIONS,
        '-o',
        'examples/tenant-cluster/observed-connected.yaml',
      ],
      keys: [
        'cluster-auth',
        'cluster-auth-usage',
        'object-ingress',
        'object-settings',
        'provider-config',
        'usage-ingress',
        'usage-settings',
      ],
      ready: 'False',
    },
  ])('$reason', async ({ args, keys, ready, xrStatus }) => {
    const result = await render(args);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const docs = documents(result.stdout);
    const resources = byKey(docs);
    expect([...resources.keys()]).toEqual(keys);
    const conditions = get(docs[0], 'status.conditions') as { type: string; status: string }[];
    expect(conditions.find((c) => c.type === 'Ready')?.status).toBe(ready);
    for (const [path, want] of Object.entries(xrStatus ?? {})) {
      expect(get(docs[0], path), path).toEqual(want);
    }
    if (crdsAvailable) {
      for (const [key, resource] of resources) {
        const composed = structuredClone(resource);
        // render adds these; the CRDs describe what the function composes.
        const metadata = composed.metadata as JsonObject;
        delete metadata.ownerReferences;
        delete metadata.generateName;
        expect(validateAgainstCRD(composed), key).toEqual([]);
      }
    }
  });

  it("refuses one tenant asking for another tenant's remote namespace, naming the rule", async () => {
    const result = await render([
      'examples/shared-cluster/xr-team-a-forbidden.yaml',
      'examples/shared-cluster/composition.yaml',
      FUNCTIONS,
      '-e',
      'examples/shared-cluster/remote-cluster.yaml',
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('pipeline step "compose-remote-eks" returned a fatal result');
    expect(result.stderr).toContain('remote namespace team-b is not allowed for tenant team-a');
    expect(result.stderr).toContain('input.policy.remoteNamespaces');
  });

  it.skipIf(!seedsAvailable)(
    "composes the blog post's three manifests, field by field",
    async () => {
      const blog = blogManifests();
      const result = await render([
        'examples/xr.yaml',
        'examples/composition.yaml',
        FUNCTIONS,
        '-o',
        'examples/observed/2-connected.yaml',
      ]);
      const resources = byKey(documents(result.stdout));
      const clusterAuth = resources.get('cluster-auth')!;
      const providerConfig = resources.get('provider-config')!;
      const object = resources.get('object-tfc-example-secret')!;

      const blogAuth = blog.get('ClusterAuth')!;
      const blogConfig = blog.get('ClusterProviderConfig')!;
      const blogObject = blog.get('Object')!;
      for (const [got, want] of [
        [clusterAuth, blogAuth],
        [providerConfig, blogConfig],
        [object, blogObject],
      ] as const) {
        expect(got.apiVersion).toBe(want.apiVersion);
        expect(got.kind).toBe(want.kind);
      }
      // ClusterAuth: identical, the name included, because the XR is named after the cluster.
      expect(get(clusterAuth, 'metadata.name')).toBe(get(blogAuth, 'metadata.name'));
      expect(get(clusterAuth, 'spec.forProvider')).toEqual(get(blogAuth, 'spec.forProvider'));
      expect(get(clusterAuth, 'spec.providerConfigRef')).toEqual(
        get(blogAuth, 'spec.providerConfigRef'),
      );
      expect(get(clusterAuth, 'spec.writeConnectionSecretToRef')).toEqual(
        get(blogAuth, 'spec.writeConnectionSecretToRef'),
      );
      // ClusterProviderConfig: the same credentials; its name comes from the XR, not "kubernetes",
      // so that two remote clusters never share one.
      expect(get(providerConfig, 'spec.credentials')).toEqual(get(blogConfig, 'spec.credentials'));
      expect(get(providerConfig, 'metadata.name')).toBe('tfc-cluster12');
      // Object: the same manifest and config kind, pointing at the composed config by name.
      expect(get(object, 'spec.forProvider.manifest')).toEqual(
        get(blogObject, 'spec.forProvider.manifest'),
      );
      expect(get(object, 'spec.providerConfigRef.kind')).toBe(
        get(blogObject, 'spec.providerConfigRef.kind'),
      );
      expect(get(object, 'spec.providerConfigRef.name')).toBe(get(providerConfig, 'metadata.name'));
      expect(get(object, 'metadata.name')).toBe('tfc-cluster12.tfc-example-secret');
      expect(get(object, 'metadata.namespace')).toBe('crossplane-system');
    },
  );
});

// Keep the examples folder honest: every XR file in it is rendered above.
describe('example coverage', () => {
  it('lists every XR file', () => {
    const xrFiles = ['examples', 'examples/shared-cluster', 'examples/tenant-cluster'].flatMap(
      (dir) =>
        readdirSync(join(REPOSITORY_ROOT, dir))
          .filter((f) => /^xr(-[a-z-]+)?\.yaml$/.test(f))
          .map((f) => join(dir, f)),
    );
    const source = readFileSync(
      join(dirname(new URL(import.meta.url).pathname), 'examples.test.ts'),
      'utf8',
    );
    for (const file of xrFiles) {
      expect(source, file).toContain(`'${file}'`);
    }
  });
});

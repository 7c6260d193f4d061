import { mkdtempSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Capability, Ready, Severity } from '@crossplane-org/function-sdk-typescript';
import { parse, parseAllDocuments } from 'yaml';
import { runRenderCli } from '../support/cli.js';
import { response, startFunctionDouble } from '../support/function-double.js';
import type { FunctionDouble } from '../support/function-double.js';
import { REPOSITORY_ROOT, findFreePort, startFunctionServer } from '../support/server.js';
import type { FunctionServer } from '../support/server.js';

type JsonObject = Record<string, unknown>;

const FUNCTION_NAME = 'function-remote-eks';
const STEP_NAME = 'compose-remote-eks';
const EXAMPLE_FILES = ['examples/xr.yaml', 'examples/composition.yaml', 'examples/functions.yaml'];

function addressFlag(address: string): string[] {
  return ['--function-address', `${FUNCTION_NAME}=${address}`];
}

function documentsOf(stdout: string): JsonObject[] {
  return parseAllDocuments(stdout).map((document) => document.toJS() as JsonObject);
}

function metadataOf(object: JsonObject | undefined): JsonObject {
  return (object?.['metadata'] ?? {}) as JsonObject;
}

async function readExample(name: string): Promise<JsonObject> {
  return parse(await readFile(join(REPOSITORY_ROOT, 'examples', name), 'utf8')) as JsonObject;
}

describe('render against the function server', () => {
  let server: FunctionServer;

  beforeAll(async () => {
    server = await startFunctionServer();
  });

  afterAll(async () => {
    await server.stop();
  });

  it('renders the example', async () => {
    const xr = await readExample('xr.yaml');

    const result = await runRenderCli([...EXAMPLE_FILES, ...addressFlag(server.address)]);
    const documents = documentsOf(result.stdout);
    const [rendered, ...composed] = documents;
    const conditions = ((rendered?.['status'] as JsonObject | undefined)?.['conditions'] ??
      []) as JsonObject[];

    expect(result.code, `render exits 0; stderr: ${result.stderr}`).toBe(0);
    expect(result.stderr, 'nothing is printed to stderr').toBe('');
    expect(result.stdout.startsWith('---\n'), 'every document starts with ---').toBe(true);
    expect(rendered?.['apiVersion'], 'the XR comes first').toBe(xr['apiVersion']);
    expect(rendered?.['kind'], 'the XR comes first').toBe(xr['kind']);
    expect(metadataOf(rendered)['name'], 'the XR keeps its name').toBe(metadataOf(xr)['name']);
    expect(rendered?.['spec'], 'without -x the XR spec is not printed').toBeUndefined();
    expect(
      conditions.filter((condition) => condition['type'] === 'Ready'),
      'the XR has exactly one Ready condition',
    ).toHaveLength(1);

    const keys = composed.map(
      (object) =>
        (metadataOf(object)['annotations'] as JsonObject)[
          'crossplane.io/composition-resource-name'
        ],
    );
    expect(keys, 'composed resources are sorted by key').toEqual(
      [...keys].sort((a, b) => Buffer.compare(Buffer.from(String(a)), Buffer.from(String(b)))),
    );
    for (const object of composed) {
      const metadata = metadataOf(object);
      expect(
        (metadata['labels'] as JsonObject)['crossplane.io/composite'],
        'each composed resource is labelled with the XR',
      ).toBe(metadataOf(xr)['name']);
      expect(
        (metadata['ownerReferences'] as JsonObject[]).filter((ref) => ref['controller'] === true),
        'each composed resource is controlled by the XR',
      ).toEqual([
        {
          apiVersion: xr['apiVersion'],
          kind: xr['kind'],
          name: metadataOf(xr)['name'],
          uid: '',
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
    }
  });

  it('prints the optional documents', async () => {
    const xr = await readExample('xr.yaml');

    const result = await runRenderCli([
      ...EXAMPLE_FILES,
      ...addressFlag(server.address),
      '-x',
      '-r',
      '-c',
      '--context-values',
      'example.org/env={"stage": "test"}',
    ]);
    const documents = documentsOf(result.stdout);
    const kinds = documents.map((document) => document['kind']);
    const contextIndex = kinds.indexOf('Context');

    expect(result.code, `render exits 0; stderr: ${result.stderr}`).toBe(0);
    expect(documents[0]?.['spec'], '-x prints the input spec').toEqual(xr['spec']);
    expect(
      contextIndex === -1 || contextIndex === documents.length - 1,
      'a Context document comes last',
    ).toBe(true);
    for (const [index, document] of documents.entries()) {
      if (document['kind'] === 'Result') {
        expect(document['apiVersion'], 'results are render documents').toBe(
          'render.crossplane.io/v1beta1',
        );
        expect(
          kinds.slice(index).every((kind) => kind === 'Result' || kind === 'Context'),
          'results follow the composed resources',
        ).toBe(true);
      }
    }
  });
});

describe('render against a function double', () => {
  let double: FunctionDouble | undefined;

  afterAll(async () => {
    await double?.stop();
  });

  it('prints nothing on a fatal result', async () => {
    double = await startFunctionDouble(() =>
      response({
        results: [
          { severity: Severity.SEVERITY_NORMAL, message: 'looked around' },
          { severity: Severity.SEVERITY_FATAL, message: 'cluster tfc-cluster12 not found' },
        ],
      }),
    );

    const result = await runRenderCli([...EXAMPLE_FILES, ...addressFlag(double.address)]);

    expect(result.code, 'a fatal result exits 1').toBe(1);
    expect(result.stdout, 'nothing is printed to stdout').toBe('');
    expect(result.stderr, 'the error names the step and the message').toBe(
      `crossplane: error: cannot render composite resource: pipeline step "${STEP_NAME}" ` +
        'returned a fatal result: cluster tfc-cluster12 not found\n',
    );
    await double.stop();
    double = undefined;
  });

  it('sends requests like crossplane render', async () => {
    const xr = await readExample('xr.yaml');
    const composition = await readExample('composition.yaml');
    const step = ((composition['spec'] as JsonObject)['pipeline'] as JsonObject[])[0];
    const dir = await mkdtemp(join(tmpdir(), 'render-e2e-'));
    const required = join(dir, 'required.yaml');
    await writeFile(
      required,
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: crossplane-system}\n',
    );
    const selector = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      matchName: 'settings',
      namespace: 'crossplane-system',
    };
    double = await startFunctionDouble(() =>
      response({
        requirements: { resources: { settings: selector } },
        desired: {
          resources: {
            zeta: { resource: { apiVersion: 'v1', kind: 'ConfigMap' }, ready: Ready.READY_TRUE },
            alpha: { resource: { apiVersion: 'v1', kind: 'Secret' } },
          },
        },
      }),
    );

    const result = await runRenderCli([
      ...EXAMPLE_FILES,
      ...addressFlag(double.address),
      '--required-resources',
      required,
    ]);
    await rm(dir, { recursive: true, force: true });
    const [first, second] = double.requests;
    const documents = documentsOf(result.stdout);
    const conditions = (documents[0]?.['status'] as JsonObject)['conditions'] as JsonObject[];

    expect(result.code, `render exits 0; stderr: ${result.stderr}`).toBe(0);
    expect(double.requests, 'same requirements twice end the loop').toHaveLength(2);
    expect(first?.observed?.composite?.resource, 'the observed XR is the file as written').toEqual(
      xr,
    );
    expect(first?.input, 'the step input is sent').toEqual(step?.['input']);
    expect(first?.context, 'the first context is empty').toEqual({});
    expect(first?.desired?.resources, 'the first desired state is empty').toEqual({});
    expect(first?.meta?.capabilities, 'capabilities are advertised').toContain(
      Capability.CAPABILITY_REQUIRED_RESOURCES,
    );
    expect(
      second?.requiredResources['settings']?.items.map(
        (item) => ((item.resource as JsonObject)['metadata'] as JsonObject)['name'],
      ),
      'the second call carries the required resource',
    ).toEqual(['settings']);
    expect(
      documents.slice(1).map((document) => document['kind']),
      'composed resources are sorted by key: alpha, then zeta',
    ).toEqual(['Secret', 'ConfigMap']);
    expect(conditions[0], 'alpha is not ready, so the XR is Creating').toEqual({
      type: 'Ready',
      status: 'False',
      reason: 'Creating',
      message: 'Unready resources: alpha',
      lastTransitionTime: '2024-01-01T00:00:00Z',
    });
  });
});

describe('render with other function behaviour', () => {
  it('falls back to v1beta1', async () => {
    const double = await startFunctionDouble(
      () => response({ desired: { resources: { only: { resource: { kind: 'Only' } } } } }),
      { version: 'v1beta1' },
    );

    const result = await runRenderCli([...EXAMPLE_FILES, ...addressFlag(double.address)]);
    await double.stop();

    expect(result.code, `render exits 0; stderr: ${result.stderr}`).toBe(0);
    expect(
      documentsOf(result.stdout).map((document) => document['kind']),
      'a Function that serves only v1beta1 is called there, as Crossplane does',
    ).toEqual(['RemoteCluster', 'Only']);
  });

  it('stops at the timeout', async () => {
    const double = await startFunctionDouble(async () => {
      await new Promise((resolve) => setTimeout(resolve, 10_000));
      return response({});
    });

    const started = Date.now();
    const result = await runRenderCli([
      ...EXAMPLE_FILES,
      ...addressFlag(double.address),
      '--timeout',
      '500ms',
    ]);
    const elapsed = Date.now() - started;
    await double.stop();

    expect(result.code, 'a render that runs out of time exits 1').toBe(1);
    expect(result.stderr, 'the error names the Function, address and timeout').toContain(
      `Function "${FUNCTION_NAME}" at "${double.address}" did not respond before the --timeout ` +
        'of 500ms ran out',
    );
    expect(elapsed, 'the render gives up well before the function would respond').toBeLessThan(
      8_000,
    );
  });
});

describe('render failures', () => {
  // Created now rather than in beforeAll, because the case table below names
  // files in it.
  const dir = mkdtempSync(join(tmpdir(), 'render-cli-'));

  beforeAll(async () => {
    await writeFile(join(dir, 'broken.yaml'), 'kind: [\n');
    await writeFile(
      join(dir, 'no-name.yaml'),
      'apiVersion: example.org/v1\nkind: X\nmetadata: {}\n',
    );
    const composition = await readFile(join(REPOSITORY_ROOT, 'examples/composition.yaml'), 'utf8');
    await writeFile(
      join(dir, 'resources.yaml'),
      composition.replace('mode: Pipeline', 'mode: Resources'),
    );
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('names an unreachable function', async () => {
    const address = `127.0.0.1:${await findFreePort()}`;

    const result = await runRenderCli([...EXAMPLE_FILES, ...addressFlag(address)]);

    expect(result.code, 'an unreachable function exits 1').toBe(1);
    expect(result.stdout, 'nothing is printed to stdout').toBe('');
    expect(result.stderr, 'the error names the function and the address').toContain(
      `cannot reach Function "${FUNCTION_NAME}" at "${address}"`,
    );
  });

  const cases = [
    {
      name: 'missing file',
      reason: 'a missing XR file is named',
      args: ['missing.yaml', ...EXAMPLE_FILES.slice(1)],
      want: 'cannot load composite resource: cannot read "missing.yaml": no such file or directory',
    },
    {
      name: 'invalid YAML',
      reason: 'a syntax error names the file',
      args: [join(dir, 'broken.yaml'), ...EXAMPLE_FILES.slice(1)],
      want: `"${join(dir, 'broken.yaml')}" is not valid YAML`,
    },
    {
      name: 'XR without name',
      reason: 'a missing field is named',
      args: [join(dir, 'no-name.yaml'), ...EXAMPLE_FILES.slice(1)],
      want: 'metadata.name is missing',
    },
    {
      name: 'not a pipeline',
      reason: 'only Pipeline mode Compositions render',
      args: [EXAMPLE_FILES[0] as string, join(dir, 'resources.yaml'), EXAMPLE_FILES[2] as string],
      want: 'spec.mode is "Resources", but render supports only Composition Function pipelines',
    },
    {
      name: 'docker runtime',
      reason: 'Docker Functions cannot run here, and the error says how to run one',
      args: [...EXAMPLE_FILES, '-a', 'render.crossplane.io/runtime=Docker'],
      want: `or pass --function-address ${FUNCTION_NAME}=HOST:PORT`,
    },
    {
      name: 'unknown flag',
      reason: 'usage errors point at --help',
      args: [...EXAMPLE_FILES, '--bogus'],
      want: 'Run with --help for usage.',
    },
  ];

  it.each(cases)('$name', async ({ reason, args, want }) => {
    const result = await runRenderCli(args);

    expect(result.code, reason).toBe(1);
    expect(result.stdout, 'nothing is printed to stdout').toBe('');
    expect(
      result.stderr.startsWith('crossplane: error: '),
      'errors look like crossplane render',
    ).toBe(true);
    expect(result.stderr, reason).toContain(want);
    expect(result.stderr, 'no stack trace is printed').not.toMatch(/^\s+at /m);
  });
});

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkCompositionMatches, loadComposition } from '../../src/render/composition.js';
import type { Composition } from '../../src/render/composition.js';
import {
  loadCompositeResource,
  loadContext,
  loadCredentialSecrets,
  loadFunctions,
  readYamlStream,
} from '../../src/render/load.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'render-load-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function fixture(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

const COMPOSITION = `apiVersion: apiextensions.crossplane.io/v1
kind: Composition
metadata:
  name: comp
  labels: {tier: gold}
spec:
  compositeTypeRef: {apiVersion: example.org/v1, kind: XThing}
  mode: Pipeline
  pipeline:
  - step: first
    functionRef: {name: fn-a}
    input: {apiVersion: fn.example.org/v1, kind: Input, enabled: yes}
    credentials:
    - {name: aws, source: Secret, secretRef: {namespace: ns, name: creds}}
    requirements:
      requiredResources:
      - {requirementName: cm, apiVersion: v1, kind: ConfigMap, name: settings}
  - step: second
    functionRef: {name: fn-b}
`;

describe('loadCompositeResource', () => {
  it('loads the XR as written', async () => {
    const file = await fixture(
      'xr.yaml',
      'apiVersion: example.org/v1\nkind: XThing\nmetadata: {name: t}\nspec: {on: on, when: 2024-01-01}\n',
    );

    const xr = await loadCompositeResource(file);

    expect(xr['spec'], 'YAML 1.1 booleans, and timestamps kept as strings').toEqual({
      true: true,
      when: '2024-01-01',
    });
  });

  const errorCases = [
    {
      name: 'missing name',
      reason: 'the XR name identifies it in the output',
      text: 'apiVersion: example.org/v1\nkind: XThing\nmetadata: {}\n',
      want: 'xr-error.yaml": metadata.name is missing',
    },
    {
      name: 'missing kind',
      reason: 'the kind must match the Composition',
      text: 'apiVersion: example.org/v1\nmetadata: {name: t}\n',
      want: 'kind is missing',
    },
    {
      name: 'number name',
      reason: 'a name must be a string',
      text: 'apiVersion: example.org/v1\nkind: X\nmetadata: {name: 12}\n',
      want: 'metadata.name must be a non-empty string',
    },
    {
      name: 'two documents',
      reason: 'an XR file holds exactly one object',
      text: 'kind: A\n---\nkind: B\n',
      want: 'contains 2 YAML documents, expected exactly one',
    },
    {
      name: 'invalid YAML',
      reason: 'a syntax error names the line',
      text: 'kind: [\n',
      want: 'is not valid YAML',
    },
    {
      name: 'list document',
      reason: 'a Kubernetes object is a mapping',
      text: '- a\n- b\n',
      want: 'is not a YAML mapping',
    },
  ];

  it.each(errorCases)('$name', async ({ reason, text, want }) => {
    const file = await fixture('xr-error.yaml', text);

    await expect(loadCompositeResource(file), reason).rejects.toThrow(want);
  });

  it('rejects a missing file', async () => {
    await expect(
      loadCompositeResource(join(dir, 'absent.yaml')),
      'the error names the file',
    ).rejects.toThrow(`cannot read "${join(dir, 'absent.yaml')}": no such file or directory`);
  });
});

describe('loadComposition', () => {
  it('parses the pipeline', async () => {
    const composition = await loadComposition(await fixture('comp.yaml', COMPOSITION));
    const [first, second] = composition.pipeline;

    expect(composition.compositeTypeRef, 'the type reference').toEqual({
      apiVersion: 'example.org/v1',
      kind: 'XThing',
    });
    expect(first?.functionName, 'functionRef.name').toBe('fn-a');
    expect(first?.input, 'the input is kept as written').toEqual({
      apiVersion: 'fn.example.org/v1',
      kind: 'Input',
      enabled: true,
    });
    expect(first?.credentials, 'credentials').toEqual([
      { name: 'aws', source: 'Secret', secretRef: { namespace: 'ns', name: 'creds' } },
    ]);
    expect(first?.requirements?.requiredResources, 'bootstrap requirements').toEqual([
      { requirementName: 'cm', apiVersion: 'v1', kind: 'ConfigMap', name: 'settings' },
    ]);
    expect(second?.input, 'a step without input has none').toBeUndefined();
  });

  const errorCases = [
    {
      name: 'resources mode',
      reason: 'render supports only Function pipelines',
      edit: (text: string) => text.replace('mode: Pipeline', 'mode: Resources'),
      want: 'spec.mode is "Resources", but render supports only Composition Function pipelines',
    },
    {
      name: 'mode not set',
      reason: 'crossplane render 2.2 requires spec.mode: Pipeline to be written out',
      edit: (text: string) => text.replace('  mode: Pipeline\n', ''),
      want: 'spec.mode is not set',
    },
    {
      name: 'wrong kind',
      reason: 'the file must hold a Composition',
      edit: (text: string) => text.replace('kind: Composition', 'kind: XRD'),
      want: 'has apiVersion apiextensions.crossplane.io/v1 and kind XRD, expected',
    },
    {
      name: 'step without function',
      reason: 'the field path points at the step',
      edit: (text: string) => text.replace('    functionRef: {name: fn-b}\n', ''),
      want: 'spec.pipeline[1].functionRef.name is missing',
    },
    {
      name: 'duplicate step',
      reason: 'step names are unique in a pipeline',
      edit: (text: string) => text.replace('step: second', 'step: first'),
      want: 'spec.pipeline[1].step "first" is used by an earlier step',
    },
    {
      name: 'scalar input',
      reason: 'an input is a Kubernetes object',
      edit: (text: string) =>
        text.replace(
          'input: {apiVersion: fn.example.org/v1, kind: Input, enabled: yes}',
          'input: 3',
        ),
      want: 'spec.pipeline[0].input must be a Kubernetes object',
    },
  ];

  it.each(errorCases)('$name', async ({ reason, edit, want }) => {
    const file = await fixture('comp-error.yaml', edit(COMPOSITION));

    await expect(loadComposition(file), reason).rejects.toThrow(want);
  });
});

describe('checkCompositionMatches', () => {
  const composition: Composition = {
    name: 'comp',
    labels: { tier: 'gold' },
    compositeTypeRef: { apiVersion: 'example.org/v1', kind: 'XThing' },
    pipeline: [],
  };
  const xr = (fields: Record<string, unknown>) => ({
    apiVersion: 'example.org/v1',
    kind: 'XThing',
    metadata: { name: 't' },
    ...fields,
  });
  const selector = (labels: Record<string, string>) => ({
    spec: { crossplane: { compositionSelector: { matchLabels: labels } } },
  });

  const cases = [
    { name: 'match', reason: 'same apiVersion and kind', xr: xr({}), want: undefined },
    {
      name: 'other kind',
      reason: 'the kind must match compositeTypeRef',
      xr: xr({ kind: 'XOther' }),
      want: "compositeTypeRef.kind (XThing) does not match XR's kind (XOther)",
    },
    {
      name: 'other version',
      reason: 'the apiVersion must match compositeTypeRef',
      xr: xr({ apiVersion: 'example.org/v2' }),
      want: "compositeTypeRef.apiVersion (example.org/v1) does not match XR's apiVersion",
    },
    {
      name: 'selector matches',
      reason: 'every selector label is on the Composition',
      xr: xr(selector({ tier: 'gold' })),
      want: undefined,
    },
    {
      name: 'selector label missing',
      reason: 'a selector label the Composition lacks',
      xr: xr(selector({ region: 'eu' })),
      want: 'composition "comp" is missing required label "region"',
    },
    {
      name: 'selector value differs',
      reason: 'a selector label with another value',
      xr: xr(selector({ tier: 'silver' })),
      want: 'has incorrect value for label "tier": want "silver", got "gold"',
    },
  ];

  it.each(cases)('$name', ({ reason, xr: resource, want }) => {
    if (want === undefined) {
      expect(() => checkCompositionMatches(resource, composition), reason).not.toThrow();
    } else {
      expect(() => checkCompositionMatches(resource, composition), reason).toThrow(want);
    }
  });
});

describe('loadFunctions', () => {
  const fn = (name: string, apiVersion = 'pkg.crossplane.io/v1') =>
    `apiVersion: ${apiVersion}\nkind: Function\nmetadata:\n  name: ${name}\n  annotations: {a: b}\n`;

  it('reads documents of a file', async () => {
    const file = await fixture(
      'fns.yaml',
      `${fn('one')}---\n# comment only\n---\n${fn('two', 'pkg.crossplane.io/v1beta1')}`,
    );

    const functions = await loadFunctions(file);

    expect(
      functions.map((f) => f.name),
      'both API versions load and empty documents are skipped',
    ).toEqual(['one', 'two']);
    expect(functions[0]?.annotations, 'annotations are kept').toEqual({ a: 'b' });
  });

  it('reads YAML files of a directory', async () => {
    const sub = join(dir, 'fns');
    await mkdir(sub, { recursive: true });
    await writeFile(join(sub, 'b.yml'), fn('from-b'));
    await writeFile(join(sub, 'a.yaml'), fn('from-a'));
    await writeFile(join(sub, 'notes.txt'), 'not yaml');

    const functions = await loadFunctions(sub);

    expect(
      functions.map((f) => f.name),
      '.yaml and .yml files are read in name order, others ignored',
    ).toEqual(['from-a', 'from-b']);
  });

  const errorCases = [
    {
      name: 'not a Function',
      reason: 'every document must be a Function',
      text: `${fn('one')}---\napiVersion: v1\nkind: Secret\nmetadata: {name: s}\n`,
      want: '(document 2) has apiVersion v1 and kind Secret, expected',
    },
    {
      name: 'duplicate name',
      reason: 'a name must identify one Function',
      text: `${fn('one')}---\n${fn('one')}`,
      want: 'Function "one" is defined more than once',
    },
  ];

  it.each(errorCases)('$name', async ({ reason, text, want }) => {
    await expect(loadFunctions(await fixture('fns-error.yaml', text)), reason).rejects.toThrow(
      want,
    );
  });

  it('rejects an empty directory', async () => {
    const empty = join(dir, 'empty');
    await mkdir(empty, { recursive: true });

    await expect(loadFunctions(empty), 'a directory needs YAML files').rejects.toThrow(
      'no YAML files (.yaml or .yml) found in directory',
    );
  });
});

describe('readYamlStream', () => {
  it('names each document', async () => {
    const file = await fixture('stream.yaml', 'kind: A\n---\nkind: B\n');

    const documents = await readYamlStream(file);

    expect(
      documents.map((document) => document.source),
      'sources name the file and the document number',
    ).toEqual([`"${file}" (document 1)`, `"${file}" (document 2)`]);
  });
});

describe('loadCredentialSecrets', () => {
  it('decodes data', async () => {
    const file = await fixture(
      'secrets.yaml',
      'apiVersion: v1\nkind: Secret\nmetadata: {name: creds, namespace: ns}\ndata: {key: c2VjcmV0}\n',
    );

    const [secret] = await loadCredentialSecrets(file);

    expect(secret?.data['key']?.toString(), 'base64 data is decoded').toBe('secret');
  });

  it('rejects invalid base64', async () => {
    const file = await fixture(
      'bad-secrets.yaml',
      'apiVersion: v1\nkind: Secret\nmetadata: {name: creds}\ndata: {key: not base64!}\n',
    );

    await expect(loadCredentialSecrets(file), 'the key is named').rejects.toThrow(
      'data.key is not a base64-encoded string',
    );
  });
});

describe('loadContext', () => {
  it('lets values win over files', async () => {
    const file = await fixture('context.yaml', 'region: eu\n');

    const context = await loadContext(
      [
        ['from-file', file],
        ['both', file],
      ],
      [
        ['both', '{"region": "us"}'],
        ['number', '3'],
      ],
    );

    expect(context, 'files and values are parsed, values win').toEqual({
      'from-file': { region: 'eu' },
      both: { region: 'us' },
      number: 3,
    });
  });

  it('rejects invalid JSON', async () => {
    await expect(loadContext([], [['key', '{']]), 'the key is named').rejects.toThrow(
      'cannot parse JSON or YAML for context key "key"',
    );
  });
});

import { describe, expect, it } from 'vitest';
import { Capability } from '@crossplane-org/function-sdk-typescript';
import {
  buildObservedState,
  buildStepRequest,
  emptyDesiredState,
  keyObservedResources,
} from '../../src/render/request.js';
import type { PipelineStep } from '../../src/render/composition.js';
import type { LoadedDocument } from '../../src/render/load.js';
import type { JsonObject } from '../../src/render/object.js';

function observedDocument(
  name: string,
  key?: string,
  source = `"o.yaml" (${name})`,
): LoadedDocument {
  const annotations = key === undefined ? {} : { 'crossplane.io/composition-resource-name': key };
  return { object: { kind: 'Bucket', metadata: { name, annotations } }, source };
}

describe('keyObservedResources', () => {
  it('keys resources by annotation', () => {
    const observed = keyObservedResources([
      observedDocument('b1', 'bucket'),
      observedDocument('q1', 'queue'),
    ]);

    expect([...observed.keys()], 'each resource is keyed by its annotation').toEqual([
      'bucket',
      'queue',
    ]);
    expect(observed.get('queue'), 'the object is kept as loaded').toEqual(
      observedDocument('q1', 'queue').object,
    );
  });

  const errorCases = [
    {
      name: 'missing annotation',
      reason: 'a resource without the annotation cannot be matched to a desired resource',
      documents: [observedDocument('b1')],
      want: '"o.yaml" (b1): observed resource has no metadata.annotations["crossplane.io/composition-resource-name"]',
    },
    {
      name: 'empty annotation',
      reason: 'an empty key is as unusable as a missing one',
      documents: [observedDocument('b1', '')],
      want: 'observed resource has no metadata.annotations',
    },
    {
      name: 'duplicate key',
      reason: 'two resources under one key would silently lose one of them',
      documents: [observedDocument('b1', 'bucket'), observedDocument('b2', 'bucket')],
      want: '"o.yaml" (b2): observed resource key "bucket" is already used by "o.yaml" (b1)',
    },
  ];

  it.each(errorCases)('$name', ({ reason, documents, want }) => {
    expect(() => keyObservedResources(documents), reason).toThrow(want);
  });
});

describe('buildObservedState', () => {
  it('sends the XR and resources as loaded', () => {
    const xr = { apiVersion: 'example.org/v1', kind: 'X', metadata: { name: 'x' }, spec: { a: 1 } };
    const bucket = { kind: 'Bucket' };

    const state = buildObservedState(xr, new Map([['bucket', bucket]]));

    expect(state.composite?.resource, 'the observed composite is the XR as written').toBe(xr);
    expect(state.resources['bucket']?.resource, 'composed resources keep their key').toBe(bucket);
    expect(state.composite?.connectionDetails, 'no connection details are sent').toEqual({});
  });
});

describe('buildStepRequest', () => {
  const observed = buildObservedState({ kind: 'X' }, new Map());
  const state = { observed, desired: emptyDesiredState(), context: { initial: true } };
  const step: PipelineStep = { step: 's1', functionName: 'fn', credentials: [] };
  const noSources = { requiredResources: [], secrets: [] };

  it('builds the first request', () => {
    const request = buildStepRequest(step, state, noSources);

    expect(request.meta?.tag, 'crossplane render sends no tag').toBe('');
    expect(request.meta?.capabilities, 'every capability Crossplane 2.2 supports').toEqual([
      Capability.CAPABILITY_CAPABILITIES,
      Capability.CAPABILITY_REQUIRED_RESOURCES,
      Capability.CAPABILITY_CREDENTIALS,
      Capability.CAPABILITY_CONDITIONS,
      Capability.CAPABILITY_REQUIRED_SCHEMAS,
    ]);
    expect(request.desired, 'the first step gets empty desired state').toEqual({
      composite: undefined,
      resources: {},
    });
    expect(request.context, 'the context is passed as given').toEqual({ initial: true });
    expect(request.input, 'a step without input sends none').toBeUndefined();
  });

  it('sends the step input', () => {
    const input = { apiVersion: 'fn.example.org/v1', kind: 'Input', value: 1 };

    const request = buildStepRequest({ ...step, input }, state, noSources);

    expect(request.input, 'the input is sent as written').toEqual(input);
  });

  it('sends credentials from a Secret', () => {
    const withCredentials: PipelineStep = {
      ...step,
      credentials: [
        { name: 'aws', source: 'Secret', secretRef: { namespace: 'ns', name: 'creds' } },
        { name: 'none', source: 'None' },
      ],
    };
    const secrets = [{ name: 'creds', namespace: 'ns', data: { key: Buffer.from('secret') } }];

    const request = buildStepRequest(withCredentials, state, { requiredResources: [], secrets });

    expect(
      request.credentials['aws']?.credentialData?.data['key']?.toString(),
      'Secret data is sent decoded',
    ).toBe('secret');
    expect(request.credentials['none'], 'source None sends nothing').toBeUndefined();
  });

  it('rejects a missing credentials Secret', () => {
    const withCredentials: PipelineStep = {
      ...step,
      credentials: [
        { name: 'aws', source: 'Secret', secretRef: { namespace: 'ns', name: 'gone' } },
      ],
    };

    expect(
      () => buildStepRequest(withCredentials, state, noSources),
      'the error names the Secret and how to pass it',
    ).toThrow('secret "gone" in namespace "ns" not found; pass it with --function-credentials');
  });

  it('fills the step requirements', () => {
    const resources: JsonObject[] = [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', labels: { app: 'x' } } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b', labels: { app: 'y' } } },
    ];
    const withRequirements: PipelineStep = {
      ...step,
      requirements: {
        requiredResources: [
          {
            requirementName: 'named',
            apiVersion: 'v1',
            kind: 'ConfigMap',
            name: 'b',
            matchLabels: { app: 'x' },
          },
          {
            requirementName: 'labelled',
            apiVersion: 'v1',
            kind: 'ConfigMap',
            matchLabels: { app: 'x' },
          },
        ],
        requiredSchemas: [{ requirementName: 'schema', apiVersion: 'v1', kind: 'ConfigMap' }],
      },
    };

    const request = buildStepRequest(withRequirements, state, {
      requiredResources: resources,
      secrets: [],
    });
    const namesOf = (key: string) =>
      request.requiredResources[key]?.items.map(
        (item) => ((item.resource as JsonObject)['metadata'] as JsonObject)['name'],
      );

    expect(namesOf('named'), 'a name wins over matchLabels').toEqual(['b']);
    expect(namesOf('labelled'), 'labels select matching resources').toEqual(['a']);
    expect(request.requiredSchemas['schema'], 'schemas are sent empty').toEqual({});
  });
});

import { describe, expect, it } from 'vitest';
import { Ready, Severity, Status } from '@crossplane-org/function-sdk-typescript';
import type { Condition, Resource, State } from '@crossplane-org/function-sdk-typescript';
import { formatUnreadyMessage, readyCondition } from '../../src/render/conditions.js';
import {
  buildOutputDocuments,
  formatDocuments,
  renderComposedResources,
  renderCompositeResource,
} from '../../src/render/output.js';
import type { JsonObject } from '../../src/render/object.js';
import type { PipelineOutput } from '../../src/render/pipeline.js';

const XR: JsonObject = {
  apiVersion: 'example.org/v1',
  kind: 'XThing',
  metadata: { name: 'thing' },
  spec: { size: 3 },
};

function resource(object: JsonObject, ready = Ready.READY_UNSPECIFIED): Resource {
  return { resource: object, connectionDetails: {}, ready };
}

function desiredWith(
  resources: Record<string, Ready>,
  compositeReady = Ready.READY_UNSPECIFIED,
): State {
  const entries = Object.entries(resources).map(([key, ready]) => [
    key,
    resource({ apiVersion: 'v1', kind: 'ConfigMap' }, ready),
  ]);
  return { composite: resource({}, compositeReady), resources: Object.fromEntries(entries) };
}

function pipelineOutput(fields: Partial<PipelineOutput> = {}): PipelineOutput {
  return { desired: undefined, context: undefined, results: [], conditions: [], ...fields };
}

function condition(type: string, status: Status, reason: string, message?: string): Condition {
  return { type, status, reason, message };
}

describe('readyCondition', () => {
  const cases = [
    {
      name: 'no composed resources',
      reason: 'an XR that composes nothing has nothing to wait for',
      desired: desiredWith({}),
      want: { status: 'True', reason: 'Available', message: undefined },
    },
    {
      name: 'all composed resources ready',
      reason: 'every READY_TRUE resource makes the XR Available',
      desired: desiredWith({ a: Ready.READY_TRUE, b: Ready.READY_TRUE }),
      want: { status: 'True', reason: 'Available', message: undefined },
    },
    {
      name: 'unready and unspecified resources',
      reason: 'READY_FALSE and READY_UNSPECIFIED both count as unready',
      desired: desiredWith({
        c: Ready.READY_FALSE,
        a: Ready.READY_TRUE,
        b: Ready.READY_UNSPECIFIED,
      }),
      want: { status: 'False', reason: 'Creating', message: 'Unready resources: b, c' },
    },
    {
      name: 'composite ready overrides',
      reason: 'a function that sets the composite READY_TRUE wins over unready resources',
      desired: desiredWith({ a: Ready.READY_FALSE }, Ready.READY_TRUE),
      want: { status: 'True', reason: 'Available', message: undefined },
    },
    {
      name: 'composite unready overrides',
      reason: 'a composite READY_FALSE gives Creating without a message, even with all ready',
      desired: desiredWith({ a: Ready.READY_TRUE }, Ready.READY_FALSE),
      want: { status: 'False', reason: 'Creating', message: undefined },
    },
    {
      name: 'no desired state',
      reason: 'a last step that returns no desired state leaves nothing unready',
      desired: undefined,
      want: { status: 'True', reason: 'Available', message: undefined },
    },
  ];

  it.each(cases)('$name', ({ reason, desired, want }) => {
    const got = readyCondition(desired);

    expect(got.type, reason).toBe('Ready');
    expect(got.status, reason).toBe(want.status);
    expect(got.reason, reason).toBe(want.reason);
    expect(got.message, reason).toBe(want.message);
    expect(got.lastTransitionTime, reason).toBe('2024-01-01T00:00:00Z');
  });
});

describe('formatUnreadyMessage', () => {
  const cases = [
    { reason: 'one name stands alone', keys: ['a'], want: 'Unready resources: a' },
    { reason: 'two names get no "and"', keys: ['b', 'a'], want: 'Unready resources: a, b' },
    {
      reason: 'three names end with ", and"',
      keys: ['c', 'a', 'b'],
      want: 'Unready resources: a, b, and c',
    },
    {
      reason: 'more than three names list three and count the rest',
      keys: ['e', 'd', 'c', 'b', 'a'],
      want: 'Unready resources: a, b, c, and 2 more',
    },
    {
      reason: 'keys sort by byte order, so upper case comes first',
      keys: ['b', 'B', 'a'],
      want: 'Unready resources: B, a, and b',
    },
  ];

  it.each(cases)('$want', ({ reason, keys, want }) => {
    expect(formatUnreadyMessage(keys), reason).toBe(want);
  });
});

describe('renderCompositeResource', () => {
  it('keeps identity and pipeline status only', () => {
    const output = pipelineOutput({
      desired: {
        composite: resource({ status: { widgets: 2 }, metadata: { namespace: 'stray' } }),
        resources: {},
      },
    });

    const got = renderCompositeResource(XR, output, false);

    expect(got, 'identity comes from the input XR and status from the pipeline').toEqual({
      apiVersion: 'example.org/v1',
      kind: 'XThing',
      metadata: { name: 'thing' },
      status: {
        widgets: 2,
        conditions: [
          {
            type: 'Ready',
            status: 'True',
            reason: 'Available',
            lastTransitionTime: '2024-01-01T00:00:00Z',
          },
        ],
      },
    });
  });

  it('copies metadata and spec with includeFullXR', () => {
    const xr = { ...XR, metadata: { name: 'thing', labels: { team: 'a' } } };

    const got = renderCompositeResource(xr, pipelineOutput(), true);

    expect(got['spec'], 'the input spec is copied').toEqual({ size: 3 });
    expect(got['metadata'], 'the whole input metadata is copied').toEqual({
      name: 'thing',
      labels: { team: 'a' },
    });
  });

  const conditionCases = [
    {
      name: 'custom condition added',
      reason: 'a condition returned by a step is appended after Ready',
      returned: [condition('Connected', Status.STATUS_CONDITION_TRUE, 'Signed', 'ok')],
      want: [
        { type: 'Ready', status: 'True', reason: 'Available' },
        { type: 'Connected', status: 'True', reason: 'Signed', message: 'ok' },
      ],
    },
    {
      name: 'reserved types skipped',
      reason: 'Ready, Synced, Healthy, UpToDate and Responsive belong to Crossplane',
      returned: ['Ready', 'Synced', 'Healthy', 'UpToDate', 'Responsive'].map((type) =>
        condition(type, Status.STATUS_CONDITION_FALSE, 'Nope'),
      ),
      want: [{ type: 'Ready', status: 'True', reason: 'Available' }],
    },
    {
      name: 'later condition replaces earlier',
      reason: 'a later step setting the same type replaces it in place',
      returned: [
        condition('Connected', Status.STATUS_CONDITION_FALSE, 'Waiting'),
        condition('Connected', Status.STATUS_CONDITION_UNSPECIFIED, 'Unsure'),
      ],
      want: [
        { type: 'Ready', status: 'True', reason: 'Available' },
        { type: 'Connected', status: 'Unknown', reason: 'Unsure' },
      ],
    },
  ];

  it.each(conditionCases)('$name', ({ reason, returned, want }) => {
    const got = renderCompositeResource(XR, pipelineOutput({ conditions: returned }), false);
    const conditions = (got['status'] as JsonObject)['conditions'] as JsonObject[];

    expect(
      conditions.map(({ lastTransitionTime: _time, ...rest }) => rest),
      reason,
    ).toEqual(want);
  });

  it('keeps an equal Ready condition from the function', () => {
    const functionReady = {
      type: 'Ready',
      status: 'True',
      reason: 'Available',
      lastTransitionTime: '2023-05-05T00:00:00Z',
    };
    const output = pipelineOutput({
      desired: { composite: resource({ status: { conditions: [functionReady] } }), resources: {} },
    });

    const got = renderCompositeResource(XR, output, false);

    expect(
      (got['status'] as JsonObject)['conditions'],
      'an equal condition is not replaced, so its time stays',
    ).toEqual([functionReady]);
  });
});

describe('renderComposedResources', () => {
  const controller = {
    apiVersion: 'example.org/v1',
    kind: 'XThing',
    name: 'thing',
    uid: '',
    controller: true,
    blockOwnerDeletion: true,
  };

  it('adds Crossplane metadata', () => {
    const desired: State = {
      composite: undefined,
      resources: { bucket: resource({ apiVersion: 's3/v1', kind: 'Bucket', spec: { a: 1 } }) },
    };

    const [got] = renderComposedResources(XR, desired, new Map());

    expect(got, 'generateName, label, annotation and controller reference are added').toEqual({
      apiVersion: 's3/v1',
      kind: 'Bucket',
      spec: { a: 1 },
      metadata: {
        generateName: 'thing-',
        labels: { 'crossplane.io/composite': 'thing' },
        annotations: { 'crossplane.io/composition-resource-name': 'bucket' },
        ownerReferences: [controller],
      },
    });
  });

  const cases = [
    {
      name: 'function-set name kept',
      reason: 'a name set by the function stays and no generateName is added',
      xr: XR,
      object: { metadata: { name: 'fixed' } },
      observed: undefined,
      want: { name: 'fixed', generateName: undefined, namespace: undefined },
    },
    {
      name: 'observed name wins',
      reason: 'an observed resource keeps its name, generateName and namespace',
      xr: XR,
      object: { metadata: { name: 'fixed', namespace: 'from-function' } },
      observed: { metadata: { name: 'thing-abc12', generateName: 'thing-', namespace: 'ns1' } },
      want: { name: 'thing-abc12', generateName: 'thing-', namespace: 'ns1' },
    },
    {
      name: 'namespaced XR namespace',
      reason: 'a namespaced XR composes into its own namespace only',
      xr: { ...XR, metadata: { name: 'thing', namespace: 'team-a' } },
      object: { metadata: { namespace: 'elsewhere' } },
      observed: undefined,
      want: { name: undefined, generateName: 'thing-', namespace: 'team-a' },
    },
    {
      name: 'nested XR prefix',
      reason: 'a nested XR names resources after the root XR in its crossplane.io/composite label',
      xr: { ...XR, metadata: { name: 'child', labels: { 'crossplane.io/composite': 'root' } } },
      object: {},
      observed: undefined,
      want: { name: undefined, generateName: 'root-', namespace: undefined },
    },
  ];

  it.each(cases)('$name', ({ reason, xr, object, observed, want }) => {
    const desired: State = { composite: undefined, resources: { key: resource(object) } };
    const observedMap = new Map(observed === undefined ? [] : [['key', observed as JsonObject]]);

    const [got] = renderComposedResources(xr, desired, observedMap);
    const metadata = (got as JsonObject)['metadata'] as JsonObject;

    expect(metadata['name'], reason).toBe(want.name);
    expect(metadata['generateName'], reason).toBe(want.generateName);
    expect(metadata['namespace'], reason).toBe(want.namespace);
  });

  it('sorts resources by key', () => {
    const desired: State = {
      composite: undefined,
      resources: { b: resource({}), a: resource({}), B: resource({}), 'a-1': resource({}) },
    };

    const keys = renderComposedResources(XR, desired, new Map()).map(
      (object) =>
        ((object['metadata'] as JsonObject)['annotations'] as JsonObject)[
          'crossplane.io/composition-resource-name'
        ],
    );

    expect(keys, 'keys sort by byte order, as Go sorts strings').toEqual(['B', 'a', 'a-1', 'b']);
  });

  it('sets the XR uid and claim labels', () => {
    const xr = {
      ...XR,
      metadata: {
        name: 'thing',
        uid: '1234',
        labels: { 'crossplane.io/claim-name': 'c', 'crossplane.io/claim-namespace': 'ns' },
      },
    };
    const desired: State = { composite: undefined, resources: { key: resource({}) } };

    const [got] = renderComposedResources(xr, desired, new Map());
    const metadata = (got as JsonObject)['metadata'] as JsonObject;

    expect(metadata['ownerReferences'], 'the controller reference carries the uid').toEqual([
      { ...controller, uid: '1234' },
    ]);
    expect(metadata['labels'], 'claim labels are copied from the XR').toEqual({
      'crossplane.io/composite': 'thing',
      'crossplane.io/claim-name': 'c',
      'crossplane.io/claim-namespace': 'ns',
    });
  });

  it('replaces an owner reference with the same uid', () => {
    const stale = { apiVersion: 'old/v1', kind: 'Old', name: 'old', extra: 'dropped' };
    const desired: State = {
      composite: undefined,
      resources: { key: resource({ metadata: { ownerReferences: [stale] } }) },
    };

    const [got] = renderComposedResources(XR, desired, new Map());

    expect(
      ((got as JsonObject)['metadata'] as JsonObject)['ownerReferences'],
      'both have an empty uid, so the XR reference replaces the stale one',
    ).toEqual([controller]);
  });

  it('rejects another controller', () => {
    const other = { apiVersion: 'o/v1', kind: 'Other', name: 'o', uid: '99', controller: true };
    const desired: State = {
      composite: undefined,
      resources: { key: resource({ metadata: { name: 'n', ownerReferences: [other] } }) },
    };

    expect(
      () => renderComposedResources(XR, desired, new Map()),
      'a resource cannot have two controllers',
    ).toThrow('already controlled by Other o (UID 99)');
  });
});

describe('buildOutputDocuments', () => {
  const output = pipelineOutput({
    desired: desiredWith({ b: Ready.READY_TRUE, a: Ready.READY_TRUE }),
    context: { key: 'value' },
    results: [{ step: 's1', severity: Severity.SEVERITY_WARNING, message: 'careful' }],
  });

  const cases = [
    {
      name: 'defaults',
      reason: 'without -r and -c only the XR and composed resources are printed',
      options: { includeFullXR: false, includeFunctionResults: false, includeContext: false },
      wantKinds: ['XThing', 'ConfigMap', 'ConfigMap'],
    },
    {
      name: 'results and context',
      reason: 'results follow the composed resources and the context comes last',
      options: { includeFullXR: false, includeFunctionResults: true, includeContext: true },
      wantKinds: ['XThing', 'ConfigMap', 'ConfigMap', 'Result', 'Context'],
    },
  ];

  it.each(cases)('$name', ({ reason, options, wantKinds }) => {
    const documents = buildOutputDocuments(XR, new Map(), output, options);

    expect(
      documents.map((document) => document['kind']),
      reason,
    ).toEqual(wantKinds);
  });

  it('shapes Result and Context documents', () => {
    const options = { includeFullXR: false, includeFunctionResults: true, includeContext: true };

    const documents = buildOutputDocuments(XR, new Map(), output, options);

    expect(documents[3], 'a Result names its step and severity').toEqual({
      apiVersion: 'render.crossplane.io/v1beta1',
      kind: 'Result',
      step: 's1',
      severity: 'SEVERITY_WARNING',
      message: 'careful',
    });
    expect(documents[4], 'the Context carries the last context as fields').toEqual({
      apiVersion: 'render.crossplane.io/v1beta1',
      kind: 'Context',
      fields: { key: 'value' },
    });
  });

  it('omits a missing context', () => {
    const options = { includeFullXR: false, includeFunctionResults: false, includeContext: true };

    const documents = buildOutputDocuments(XR, new Map(), pipelineOutput(), options);

    expect(documents, 'a last step that returns no context prints no Context').toHaveLength(1);
  });
});

describe('formatDocuments', () => {
  it('prints go-yaml style documents', () => {
    const text = formatDocuments([
      { kind: 'A', status: { conditions: [{ type: 'Ready', status: 'False', message: 'x: y' }] } },
      { kind: 'B' },
    ]);

    expect(text, 'sorted keys, unindented lists, typed strings double-quoted').toBe(
      [
        '---',
        'kind: A',
        'status:',
        '  conditions:',
        "  - message: 'x: y'",
        '    status: "False"',
        '    type: Ready',
        '---',
        'kind: B',
        '',
      ].join('\n'),
    );
  });
});

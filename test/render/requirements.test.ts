import { describe, expect, it } from 'vitest';
import { RunFunctionResponse, Severity } from '@crossplane-org/function-sdk-typescript';
import type {
  Requirements,
  ResourceSelector,
  RunFunctionRequest,
} from '@crossplane-org/function-sdk-typescript';
import {
  callUntilRequirementsSettle,
  requirementsEqual,
  selectResources,
} from '../../src/render/requirements.js';
import type { JsonObject } from '../../src/render/object.js';

function configMap(name: string, namespace?: string, labels?: Record<string, string>): JsonObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, labels } };
}

const RESOURCES: JsonObject[] = [
  configMap('zeta', 'b', { tier: 'web' }),
  configMap('alpha', 'b', { tier: 'db' }),
  configMap('alpha', 'a', { tier: 'web', extra: 'yes' }),
  { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'alpha', namespace: 'a' } },
  { apiVersion: 'v2', kind: 'ConfigMap', metadata: { name: 'beta', namespace: 'a' } },
];

function names(selector: ResourceSelector): string[] {
  return selectResources(selector, RESOURCES).items.map((item) => {
    const metadata = (item.resource as JsonObject)['metadata'] as JsonObject;
    return `${String(metadata['namespace'])}/${String(metadata['name'])}`;
  });
}

describe('selectResources', () => {
  const cases = [
    {
      name: 'all of a kind',
      reason: 'no name or labels matches every resource of that apiVersion and kind, sorted',
      selector: { apiVersion: 'v1', kind: 'ConfigMap' },
      want: ['a/alpha', 'b/alpha', 'b/zeta'],
    },
    {
      name: 'by name',
      reason: 'matchName returns the first resource with that name only',
      selector: { apiVersion: 'v1', kind: 'ConfigMap', matchName: 'alpha' },
      want: ['a/alpha'],
    },
    {
      name: 'by name and namespace',
      reason: 'a namespace narrows a name match to that namespace',
      selector: { apiVersion: 'v1', kind: 'ConfigMap', matchName: 'alpha', namespace: 'b' },
      want: ['b/alpha'],
    },
    {
      name: 'by labels',
      reason: 'every label of matchLabels must match, extra labels do not matter',
      selector: { apiVersion: 'v1', kind: 'ConfigMap', matchLabels: { labels: { tier: 'web' } } },
      want: ['a/alpha', 'b/zeta'],
    },
    {
      name: 'by labels and namespace',
      reason: 'a namespace narrows a label match',
      selector: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        namespace: 'b',
        matchLabels: { labels: { tier: 'web' } },
      },
      want: ['b/zeta'],
    },
    {
      name: 'other apiVersion',
      reason: 'apiVersion must match exactly',
      selector: { apiVersion: 'v2', kind: 'ConfigMap' },
      want: ['a/beta'],
    },
    {
      name: 'no match',
      reason: 'a name that no resource has selects nothing',
      selector: { apiVersion: 'v1', kind: 'ConfigMap', matchName: 'missing' },
      want: [],
    },
  ];

  it.each(cases)('$name', ({ reason, selector, want }) => {
    expect(names(selector), reason).toEqual(want);
  });
});

describe('requirementsEqual', () => {
  const selector = { apiVersion: 'v1', kind: 'ConfigMap', matchName: 'a' };
  const requirements = (resources: Record<string, ResourceSelector>): Requirements => ({
    extraResources: {},
    resources,
    schemas: {},
  });

  const cases = [
    { reason: 'two absent requirements are equal', a: undefined, b: undefined, want: true },
    {
      reason: 'empty requirements differ from absent ones, as in protobuf',
      a: requirements({}),
      b: undefined,
      want: false,
    },
    {
      reason: 'the same selectors are equal',
      a: requirements({ cm: selector }),
      b: requirements({ cm: { ...selector } }),
      want: true,
    },
    {
      reason: 'an unset optional namespace equals an undefined one',
      a: requirements({ cm: selector }),
      b: requirements({ cm: { ...selector, namespace: undefined } }),
      want: true,
    },
    {
      reason: 'a namespace set to empty differs from an unset one',
      a: requirements({ cm: selector }),
      b: requirements({ cm: { ...selector, namespace: '' } }),
      want: false,
    },
    {
      reason: 'a different name differs',
      a: requirements({ cm: selector }),
      b: requirements({ cm: { ...selector, matchName: 'b' } }),
      want: false,
    },
  ];

  it.each(cases)('$reason', ({ reason, a, b, want }) => {
    expect(requirementsEqual(a, b), reason).toBe(want);
  });
});

function firstRequest(fields: Partial<RunFunctionRequest> = {}): RunFunctionRequest {
  return {
    meta: { tag: '', capabilities: [] },
    observed: undefined,
    desired: { composite: undefined, resources: {} },
    context: { start: true },
    extraResources: {},
    credentials: {},
    requiredResources: {},
    requiredSchemas: {},
    ...fields,
  };
}

const WANT_CONFIG_MAP = { apiVersion: 'v1', kind: 'ConfigMap', matchName: 'alpha', namespace: 'a' };

describe('callUntilRequirementsSettle', () => {
  const cases = [
    {
      name: 'no requirements',
      reason: 'a function that returns no requirements is called once',
      responses: [{}],
      wantCalls: 1,
    },
    {
      name: 'empty requirements',
      reason: 'empty requirements differ from none, so they cost a second call',
      responses: [{ requirements: {} }, { requirements: {} }],
      wantCalls: 2,
    },
    {
      name: 'stable requirements',
      reason: 'the loop ends when a call returns the requirements of the call before',
      responses: [
        { requirements: { resources: { cm: WANT_CONFIG_MAP } } },
        { requirements: { resources: { cm: WANT_CONFIG_MAP } } },
      ],
      wantCalls: 2,
    },
    {
      name: 'fatal result',
      reason: 'a fatal result ends the loop even with new requirements',
      responses: [
        {
          results: [{ severity: Severity.SEVERITY_FATAL, message: 'boom' }],
          requirements: { resources: { cm: WANT_CONFIG_MAP } },
        },
      ],
      wantCalls: 1,
    },
  ];

  it.each(cases)('$name', async ({ reason, responses, wantCalls }) => {
    const requests: RunFunctionRequest[] = [];
    const call = async (request: RunFunctionRequest) => {
      requests.push(request);
      return RunFunctionResponse.fromPartial(responses[requests.length - 1] ?? {});
    };

    await callUntilRequirementsSettle(call, firstRequest(), RESOURCES);

    expect(requests, reason).toHaveLength(wantCalls);
  });

  it('fails after the maximum calls', async () => {
    let calls = 0;
    const call = async () => {
      calls++;
      const selector = { ...WANT_CONFIG_MAP, matchName: `name-${calls}` };
      return RunFunctionResponse.fromPartial({ requirements: { resources: { cm: selector } } });
    };

    await expect(
      callUntilRequirementsSettle(call, firstRequest(), RESOURCES),
      'requirements that change on every call never settle',
    ).rejects.toThrow('requirements did not stabilize after 6 calls');
    expect(calls, 'Crossplane calls a step at most six times').toBe(6);
  });

  it('sends requested resources and context', async () => {
    const requests: RunFunctionRequest[] = [];
    const call = async (request: RunFunctionRequest) => {
      requests.push(request);
      return RunFunctionResponse.fromPartial({
        context: { call: requests.length },
        requirements: {
          resources: { cm: WANT_CONFIG_MAP },
          extraResources: { web: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'b' } },
          schemas: { schema: { apiVersion: 'v1', kind: 'ConfigMap' } },
        },
      });
    };
    const bootstrap = { boot: { items: [] } };

    await callUntilRequirementsSettle(
      call,
      firstRequest({ requiredResources: bootstrap }),
      RESOURCES,
    );
    const second = requests[1] as RunFunctionRequest;

    expect(second.context, 'the second call gets the context the first returned').toEqual({
      call: 1,
    });
    expect(
      Object.keys(second.requiredResources).sort(),
      'step bootstrap resources stay beside the requested ones',
    ).toEqual(['boot', 'cm']);
    expect(second.requiredResources['cm']?.items, 'the named resource is sent').toHaveLength(1);
    expect(
      second.extraResources['web']?.items,
      'extra_resources requirements are filled too',
    ).toHaveLength(2);
    expect(second.requiredSchemas['schema'], 'schemas are sent empty, meaning not found').toEqual(
      {},
    );
    expect(second.desired, 'desired state is the same in every call').toBe(requests[0]?.desired);
  });
});

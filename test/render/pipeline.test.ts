import { describe, expect, it } from 'vitest';
import { Severity } from '@crossplane-org/function-sdk-typescript';
import type { RunFunctionRequest } from '@crossplane-org/function-sdk-typescript';
import { FatalResultError, runPipeline } from '../../src/render/pipeline.js';
import type { FunctionRunner, PipelineInputs } from '../../src/render/pipeline.js';
import type { PipelineStep } from '../../src/render/composition.js';

import { response } from '../support/function-double.js';
import type { ResponseFields } from '../support/function-double.js';

/** A FunctionRunner that records requests and returns one scripted response per call. */
class ScriptedRunner implements FunctionRunner {
  readonly calls: { functionName: string; request: RunFunctionRequest }[] = [];

  constructor(private readonly responses: ResponseFields[]) {}

  async runFunction(functionName: string, request: RunFunctionRequest) {
    this.calls.push({ functionName, request });
    const next = this.responses[this.calls.length - 1];
    if (next === undefined) {
      throw new Error(`unexpected call ${this.calls.length}`);
    }
    return response(next);
  }
}

function steps(...names: string[]): PipelineStep[] {
  return names.map((name) => ({
    step: name,
    functionName: `fn-${name}`,
    credentials: [],
    input: { kind: 'Input', step: name },
  }));
}

function inputs(pipeline: PipelineStep[]): PipelineInputs {
  return {
    pipeline,
    xr: { apiVersion: 'example.org/v1', kind: 'X', metadata: { name: 'x' } },
    observed: new Map([['bucket', { kind: 'Bucket' }]]),
    context: { 'example.org/env': 'dev' },
    requiredResources: [],
    extraResources: [],
    secrets: [],
  };
}

const DESIRED_1 = { resources: { a: { resource: { kind: 'A' } } } };
const DESIRED_2 = { resources: { b: { resource: { kind: 'B' } } } };

describe('runPipeline', () => {
  it('chains desired state and context', async () => {
    const runner = new ScriptedRunner([
      { desired: DESIRED_1, context: { from: 'one' } },
      { desired: DESIRED_2, context: { from: 'two' } },
    ]);

    const output = await runPipeline(inputs(steps('one', 'two')), runner);
    const [first, second] = runner.calls;

    expect(first?.functionName, 'each step calls its own Function').toBe('fn-one');
    expect(first?.request.desired, 'step one gets empty desired state').toEqual({
      composite: undefined,
      resources: {},
    });
    expect(first?.request.context, 'step one gets the initial context').toEqual({
      'example.org/env': 'dev',
    });
    expect(first?.request.input, 'each step gets its own input').toEqual({
      kind: 'Input',
      step: 'one',
    });
    expect(second?.request.desired?.resources['a'], 'step two gets step one desired').toBeDefined();
    expect(second?.request.context, 'step two gets step one context').toEqual({ from: 'one' });
    expect(
      second?.request.observed?.resources['bucket'],
      'every step observes the same resources',
    ).toBeDefined();
    expect(Object.keys(output.desired?.resources ?? {}), 'the last desired state wins').toEqual([
      'b',
    ]);
    expect(output.context, 'the last context is returned').toEqual({ from: 'two' });
  });

  it('hands on a missing context', async () => {
    const runner = new ScriptedRunner([{ desired: DESIRED_1 }, { desired: DESIRED_2 }]);

    const output = await runPipeline(inputs(steps('one', 'two')), runner);

    expect(
      runner.calls[1]?.request.context,
      'a step that returns no context hands none to the next step',
    ).toBeUndefined();
    expect(output.context, 'no context is returned either').toBeUndefined();
  });

  it('collects results and conditions', async () => {
    const runner = new ScriptedRunner([
      {
        results: [{ severity: Severity.SEVERITY_NORMAL, message: 'hello' }],
        conditions: [{ type: 'Connected', reason: 'Yes' }],
      },
      { results: [{ severity: Severity.SEVERITY_WARNING, message: 'careful' }] },
    ]);

    const output = await runPipeline(inputs(steps('one', 'two')), runner);

    expect(output.results, 'results keep their step and order').toEqual([
      { step: 'one', severity: Severity.SEVERITY_NORMAL, message: 'hello' },
      { step: 'two', severity: Severity.SEVERITY_WARNING, message: 'careful' },
    ]);
    expect(
      output.conditions.map((condition) => condition.type),
      'conditions are collected',
    ).toEqual(['Connected']);
  });

  const failureCases = [
    {
      name: 'fatal result',
      reason: 'a Fatal result stops the pipeline and names the step',
      responses: [{ results: [{ severity: Severity.SEVERITY_FATAL, message: 'no cluster' }] }],
      want: 'pipeline step "one" returned a fatal result: no cluster',
      wantCalls: 1,
    },
    {
      name: 'failed call',
      reason: 'a failed call names the step that made it',
      responses: [{}],
      want: 'cannot run pipeline step "two": unexpected call 2',
      wantCalls: 2,
    },
  ];

  it.each(failureCases)('$name', async ({ reason, responses, want, wantCalls }) => {
    const runner = new ScriptedRunner(responses);

    await expect(runPipeline(inputs(steps('one', 'two')), runner), reason).rejects.toThrow(want);
    expect(runner.calls, 'no step runs after the failure').toHaveLength(wantCalls);
  });

  it('raises FatalResultError', async () => {
    const runner = new ScriptedRunner([
      { results: [{ severity: Severity.SEVERITY_FATAL, message: 'boom' }] },
    ]);

    const error = await runPipeline(inputs(steps('one')), runner).catch(
      (caught: unknown) => caught,
    );

    expect(error, 'callers can tell a fatal result from other failures').toBeInstanceOf(
      FatalResultError,
    );
  });
});

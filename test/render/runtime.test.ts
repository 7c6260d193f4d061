import { describe, expect, it } from 'vitest';
import { overrideAnnotations, resolveFunctionTargets } from '../../src/render/runtime.js';
import type { PipelineStep } from '../../src/render/composition.js';
import type { FunctionPackage } from '../../src/render/load.js';

function fn(name: string, annotations: Record<string, string> = {}): FunctionPackage {
  return { name, annotations, source: `"functions.yaml" (${name})` };
}

function step(functionName: string): PipelineStep {
  return { step: `step-${functionName}`, functionName, credentials: [] };
}

const DEVELOPMENT = { 'render.crossplane.io/runtime': 'Development' };

describe('resolveFunctionTargets', () => {
  const cases = [
    {
      name: 'development default',
      reason: 'a Development Function without a target is dialled at localhost:9443',
      functions: [fn('a', DEVELOPMENT)],
      addresses: {},
      want: { a: 'localhost:9443' },
    },
    {
      name: 'development target',
      reason: 'the runtime-development-target annotation names the target',
      functions: [
        fn('a', {
          ...DEVELOPMENT,
          'render.crossplane.io/runtime-development-target': 'dns:///fn.example:7443',
        }),
      ],
      addresses: {},
      want: { a: 'dns:///fn.example:7443' },
    },
    {
      name: 'address override',
      reason: '--function-address wins over annotations, even for Docker Functions',
      functions: [fn('a')],
      addresses: { a: '127.0.0.1:5000' },
      want: { a: '127.0.0.1:5000' },
    },
    {
      name: 'unused docker function',
      reason: 'a Docker Function the pipeline does not use is no error',
      functions: [fn('a', DEVELOPMENT), fn('unused')],
      addresses: {},
      want: { a: 'localhost:9443' },
    },
  ];

  it.each(cases)('$name', ({ reason, functions, addresses, want }) => {
    const targets = resolveFunctionTargets(
      functions,
      [step('a')],
      new Map(Object.entries(addresses)),
    );

    expect(Object.fromEntries(targets), reason).toEqual(want);
  });

  const errorCases = [
    {
      name: 'docker runtime',
      reason: 'Docker cannot run here, and the error says what to do instead',
      functions: [fn('a')],
      addresses: {},
      want: 'Function "a" uses the Docker runtime (the default), which this render command cannot run',
    },
    {
      name: 'unknown runtime',
      reason: 'only Docker and Development exist',
      functions: [fn('a', { 'render.crossplane.io/runtime': 'Podman' })],
      addresses: {},
      want: 'unsupported "render.crossplane.io/runtime" annotation value "Podman"',
    },
    {
      name: 'missing function',
      reason: 'a step must name a Function of the functions file',
      functions: [fn('b', DEVELOPMENT)],
      addresses: {},
      want: 'pipeline step "step-a" uses Function "a", which is not in the functions file',
    },
    {
      name: 'override for unknown function',
      reason: 'a misspelt --function-address name is reported',
      functions: [fn('a', DEVELOPMENT)],
      addresses: { typo: '127.0.0.1:1' },
      want: '--function-address names Function "typo", which is not in the functions file',
    },
  ];

  it.each(errorCases)('$name', ({ reason, functions, addresses, want }) => {
    expect(
      () => resolveFunctionTargets(functions, [step('a')], new Map(Object.entries(addresses))),
      reason,
    ).toThrow(want);
  });
});

describe('overrideAnnotations', () => {
  it('sets annotations on every Function', () => {
    const functions = overrideAnnotations(
      [fn('a', { keep: 'yes', 'render.crossplane.io/runtime': 'Docker' }), fn('b')],
      [['render.crossplane.io/runtime', 'Development']],
    );

    expect(functions[0]?.annotations, 'an override replaces the annotation').toEqual({
      keep: 'yes',
      'render.crossplane.io/runtime': 'Development',
    });
    expect(functions[1]?.annotations, 'an override is added where missing').toEqual(DEVELOPMENT);
  });
});

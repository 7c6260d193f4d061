import { describe, expect, it } from 'vitest';
import { parseRenderArguments, parseTimeout } from '../../src/render/args.js';

const FILES = ['xr.yaml', 'composition.yaml', 'functions.yaml'];

describe('parseRenderArguments', () => {
  it('parses every flag', () => {
    const args = parseRenderArguments([
      ...FILES,
      '-o',
      'observed/',
      '--required-resources=required.yaml',
      '--extra-resources',
      'extra.yaml',
      '--function-credentials',
      'creds.yaml',
      '-r',
      '-x',
      '-c',
      '--context-files',
      'env=env.yaml',
      '--context-values',
      'apiextensions.crossplane.io/environment={"a": "b=c"}',
      '-a',
      'render.crossplane.io/runtime=Development',
      '--function-address',
      'fn=127.0.0.1:9000',
      '--timeout',
      '90s',
    ]);

    expect(args.compositeResource, 'first argument').toBe('xr.yaml');
    expect(args.composition, 'second argument').toBe('composition.yaml');
    expect(args.functions, 'third argument').toBe('functions.yaml');
    expect(args.observedResources, '-o').toBe('observed/');
    expect(args.requiredResources, '--required-resources with =').toBe('required.yaml');
    expect(args.extraResources, '--extra-resources').toBe('extra.yaml');
    expect(args.functionCredentials, '--function-credentials').toBe('creds.yaml');
    expect(args.includeFunctionResults, '-r').toBe(true);
    expect(args.includeFullXR, '-x').toBe(true);
    expect(args.includeContext, '-c').toBe(true);
    expect(args.contextFiles, '--context-files').toEqual([['env', 'env.yaml']]);
    expect(args.contextValues, 'a value splits at the first =').toEqual([
      ['apiextensions.crossplane.io/environment', '{"a": "b=c"}'],
    ]);
    expect(args.functionAnnotations, '-a').toEqual([
      ['render.crossplane.io/runtime', 'Development'],
    ]);
    expect([...args.functionAddresses], '--function-address').toEqual([['fn', '127.0.0.1:9000']]);
    expect(args.timeout, '--timeout').toEqual({ text: '90s', milliseconds: 90_000 });
  });

  it('applies defaults', () => {
    const args = parseRenderArguments(FILES);

    expect(args.includeFunctionResults, 'results are off by default').toBe(false);
    expect(args.observedResources, 'no observed resources by default').toBeUndefined();
    expect(args.timeout.milliseconds, 'crossplane render waits one minute').toBe(60_000);
  });

  const errorCases = [
    {
      name: 'missing argument',
      reason: 'all three files are required',
      argv: ['xr.yaml', 'composition.yaml'],
      want: 'expected 3 arguments <xr.yaml> <composition.yaml> <functions.yaml>, got 2',
    },
    {
      name: 'unknown flag',
      reason: 'typos are rejected',
      argv: [...FILES, '--include-everything'],
      want: "Unknown option '--include-everything'",
    },
    {
      name: 'unsupported crossplane flag',
      reason: 'crossplane render flags this command lacks get their own message',
      argv: [...FILES, '--xrd', 'xrd.yaml'],
      want: '--xrd is a crossplane render flag that this render command does not support',
    },
    {
      name: 'pair without key',
      reason: 'context values need KEY=VALUE',
      argv: [...FILES, '--context-values', '=3'],
      want: '--context-values value "=3" is invalid, expected KEY=VALUE',
    },
    {
      name: 'address without value',
      reason: 'an address override needs an address',
      argv: [...FILES, '--function-address', 'fn='],
      want: '--function-address value "fn=" has no address after "="',
    },
  ];

  it.each(errorCases)('$name', ({ reason, argv, want }) => {
    expect(() => parseRenderArguments(argv), reason).toThrow(want);
  });
});

describe('parseTimeout', () => {
  const cases = [
    { text: '1m', want: 60_000 },
    { text: '1h30m', want: 5_400_000 },
    { text: '1.5s', want: 1500 },
    { text: '250ms', want: 250 },
    { text: '2m3s', want: 123_000 },
  ];

  it.each(cases)('$text', ({ text, want }) => {
    expect(parseTimeout(text), `${text} is a Go duration`).toBe(want);
  });

  const invalid = ['', '0s', '10', 'm', '1d', '5s-', '-1s'];

  it.each(invalid)('rejects %j', (text) => {
    expect(() => parseTimeout(text), 'only positive Go durations are valid').toThrow(
      `--timeout value "${text}" is invalid`,
    );
  });
});

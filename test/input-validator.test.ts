import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import { describe, expect, it } from 'vitest';
import { INPUT_SCHEMA } from '../src/input-schema.js';
import { validate as generated } from '../src/input-validator.js';
import { INPUT_VALIDATOR_PATH, renderInputValidator } from '../src/input-validator-source.js';

// The generated module is untyped JavaScript. Its function is an ajv ValidateFunction.
const validate = generated as unknown as ValidateFunction;

const BASE = { apiVersion: 'remoteeks.fn.crossplane.io/v1alpha1', kind: 'Input' };

describe('generated input validator', () => {
  it('matches the schema the function validates with', () => {
    // A failure here means src/input-schema.ts or ajv changed: run `npm run generate`.
    expect(readFileSync(INPUT_VALIDATOR_PATH, 'utf8')).toBe(renderInputValidator());
  });

  it.each([
    { reason: 'the minimal input', input: BASE },
    {
      reason: 'a full input',
      input: {
        ...BASE,
        clusterAuth: {
          apiVersion: 'eks.aws.m.upbound.io/v1beta1',
          providerConfigRef: { name: 'eks' },
        },
        connectionSecret: { namespace: 'crossplane-system' },
        policy: { limits: { maxObjects: 10, maxResponseBytes: 1048576 } },
      },
    },
    { reason: 'a missing kind', input: { apiVersion: BASE.apiVersion } },
    { reason: 'an unknown field', input: { ...BASE, clusterAuht: {} } },
    {
      reason: 'an unknown ClusterAuth API',
      input: { ...BASE, clusterAuth: { apiVersion: 'x/v1' } },
    },
    {
      reason: 'a namespace with capitals',
      input: { ...BASE, connectionSecret: { namespace: 'Ns' } },
    },
    {
      reason: 'a namespace over 63 characters',
      input: { ...BASE, objects: { namespace: 'n'.repeat(64) } },
    },
    { reason: 'a negative limit', input: { ...BASE, policy: { limits: { maxObjects: -1 } } } },
    {
      reason: 'a response limit too large',
      input: { ...BASE, policy: { limits: { maxResponseBytes: 8388608 } } },
    },
    {
      reason: 'a string for a number',
      input: { ...BASE, policy: { limits: { maxObjects: '5' } } },
    },
    {
      reason: 'several errors at once',
      input: { kind: 1, extra: true, policy: { kinds: { allowed: 'x' } } },
    },
  ])('agrees with ajv on $reason', ({ input }) => {
    const compiled = new Ajv({ allErrors: true, strict: false }).compile(INPUT_SCHEMA);

    const valid = validate(input);
    expect(valid).toBe(compiled(input));
    expect(validate.errors ?? null).toEqual(compiled.errors ?? null);
  });
});

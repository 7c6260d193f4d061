import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { INPUT_CRD_PATH, renderInputCRD } from '../src/input-crd.js';
import { Ajv } from 'ajv';

describe('input CRD', () => {
  it('matches the schema the function validates with', () => {
    // A failure here means src/input.ts changed: run `npm run generate`.
    expect(readFileSync(INPUT_CRD_PATH, 'utf8')).toBe(renderInputCRD());
  });

  it.each([{ reason: 'the example Composition step input', file: 'examples/composition.yaml' }])(
    'accepts $reason',
    ({ file }) => {
      const crd = parse(readFileSync(INPUT_CRD_PATH, 'utf8').split('---\n')[1]!) as {
        spec: { versions: { schema: { openAPIV3Schema: object } }[] };
      };
      const validate = new Ajv({ strict: false }).compile(
        crd.spec.versions[0]!.schema.openAPIV3Schema,
      );
      const composition = parse(readFileSync(file, 'utf8')) as {
        spec: { pipeline: { input: unknown }[] };
      };
      for (const step of composition.spec.pipeline) {
        expect(validate(step.input), JSON.stringify(validate.errors)).toBe(true);
      }
    },
  );
});

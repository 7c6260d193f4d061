import { writeFileSync } from 'node:fs';
import { INPUT_CRD_PATH, renderInputCRD } from '../input-crd.js';
import { INPUT_VALIDATOR_PATH, renderInputValidator } from '../input-validator-source.js';

// Run from the repository root by `npm run generate`.
writeFileSync(INPUT_CRD_PATH, renderInputCRD());
process.stdout.write(`wrote ${INPUT_CRD_PATH}\n`);
writeFileSync(INPUT_VALIDATOR_PATH, renderInputValidator());
process.stdout.write(`wrote ${INPUT_VALIDATOR_PATH}\n`);

import { writeFileSync } from 'node:fs';
import { INPUT_CRD_PATH, renderInputCRD } from '../input-crd.js';

// Run from the repository root by `npm run generate`.
writeFileSync(INPUT_CRD_PATH, renderInputCRD());
process.stdout.write(`wrote ${INPUT_CRD_PATH}\n`);

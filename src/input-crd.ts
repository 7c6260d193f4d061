import { stringify } from 'yaml';
import { INPUT_API_VERSION, INPUT_KIND } from './input.js';
import { INPUT_SCHEMA } from './input-schema.js';

/** Path of the generated CRD in the package. */
export const INPUT_CRD_PATH = 'package/input/remoteeks.fn.crossplane.io_inputs.yaml';

/**
 * Drop `required: []`, which ajv's typed schema needs for optional objects
 * but which adds only noise to a CRD.
 */
function tidy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(tidy);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    if (key === 'required' && Array.isArray(child) && child.length === 0) continue;
    out[key] = tidy(child);
  }
  return out;
}

/**
 * Render the input CRD from the same schema that validates the input, so the
 * CRD a platform installs and the checks the function runs cannot drift.
 */
export function renderInputCRD(): string {
  const [group, version] = INPUT_API_VERSION.split('/');
  const crd = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `inputs.${group}` },
    spec: {
      group,
      names: {
        categories: ['crossplane'],
        kind: INPUT_KIND,
        listKind: `${INPUT_KIND}List`,
        plural: 'inputs',
        singular: 'input',
      },
      scope: 'Namespaced',
      versions: [
        {
          name: version,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: tidy(INPUT_SCHEMA) },
        },
      ],
    },
  };
  return `# Generated from src/input.ts by \`npm run generate\`; do not edit.\n---\n${stringify(crd, { lineWidth: 0 })}`;
}

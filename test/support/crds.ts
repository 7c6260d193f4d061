import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import { parse } from 'yaml';

/**
 * The upstream CRDs live beside the repository, not in it. CI lays them at
 * ../shared/crds; CRDS_DIR points elsewhere.
 */
export const CRDS_DIR =
  process.env.CRDS_DIR ?? resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared/crds');

export const crdsAvailable = existsSync(CRDS_DIR);

interface CRD {
  spec: {
    group: string;
    names: { kind: string };
    scope: 'Namespaced' | 'Cluster';
    versions: { name: string; schema: { openAPIV3Schema: Record<string, unknown> } }[];
  };
}

export interface CRDValidator {
  scope: 'Namespaced' | 'Cluster';
  validate: ValidateFunction;
}

/**
 * Make a CRD schema reject unknown fields the way the API server prunes
 * them: an object schema with properties and no
 * x-kubernetes-preserve-unknown-fields gets additionalProperties: false.
 * Without this, a misspelt field would pass here and be silently dropped by
 * the API server.
 */
function strict(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(strict);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    out[key] = key === 'default' || key === 'example' ? value : strict(value);
  }
  if (
    out.type === 'object' &&
    out.properties !== undefined &&
    out['x-kubernetes-preserve-unknown-fields'] !== true &&
    out.additionalProperties === undefined
  ) {
    out.additionalProperties = false;
  }
  if (out['x-kubernetes-int-or-string'] === true) {
    delete out.type;
  }
  return out;
}

let validators: Map<string, CRDValidator> | undefined;

/** Load every CRD once, keyed by "apiVersion/kind", with status stripped. */
export function crdValidators(): Map<string, CRDValidator> {
  if (validators !== undefined) return validators;
  const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
  validators = new Map();
  for (const file of readdirSync(CRDS_DIR).filter((f) => f.endsWith('.yaml'))) {
    const crd = parse(readFileSync(join(CRDS_DIR, file), 'utf8')) as CRD;
    for (const version of crd.spec.versions) {
      const schema = structuredClone(version.schema.openAPIV3Schema) as {
        properties?: Record<string, unknown>;
      };
      // Desired state is partial: the provider writes status.
      delete schema.properties?.status;
      validators.set(`${crd.spec.group}/${version.name}/${crd.spec.names.kind}`, {
        scope: crd.spec.scope,
        validate: ajv.compile(strict(schema) as object),
      });
    }
  }
  return validators;
}

/** Validate one composed resource; returns readable errors, empty when valid. */
export function validateAgainstCRD(resource: Record<string, unknown>): string[] {
  const key = `${String(resource.apiVersion)}/${String(resource.kind)}`;
  const validator = crdValidators().get(key);
  if (validator === undefined) return [`no CRD for ${key}`];
  const errors: string[] = [];
  if (!validator.validate(resource)) {
    for (const e of validator.validate.errors ?? []) {
      errors.push(`${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
    }
  }
  const metadata = resource.metadata as Record<string, unknown> | undefined;
  const hasNamespace = typeof metadata?.namespace === 'string';
  if (validator.scope === 'Namespaced' && !hasNamespace)
    errors.push('namespaced kind without metadata.namespace');
  if (validator.scope === 'Cluster' && hasNamespace)
    errors.push('cluster-scoped kind with metadata.namespace');
  return errors;
}

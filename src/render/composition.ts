import { RenderError } from './errors.js';
import { describeType, readSingleObject, requireString } from './load.js';
import { getField, getObject, getString, getStringMap, isJsonObject } from './object.js';
import type { JsonObject } from './object.js';

/** A Composition reduced to what rendering uses. */
export interface Composition {
  name: string;
  labels: Record<string, string>;
  compositeTypeRef: { apiVersion: string; kind: string };
  pipeline: PipelineStep[];
}

/** One entry of a Composition's spec.pipeline. */
export interface PipelineStep {
  step: string;
  functionName: string;
  /** The step's input, sent as RunFunctionRequest.input. */
  input?: JsonObject;
  credentials: StepCredentials[];
  requirements?: StepRequirements;
}

/** One entry of a pipeline step's credentials list. */
export interface StepCredentials {
  name: string;
  source: string;
  secretRef?: { namespace: string; name: string };
}

/** The resources and schemas a step receives on its first call (spec.pipeline[].requirements). */
export interface StepRequirements {
  requiredResources: RequiredResourceSelector[];
  requiredSchemas: { requirementName: string; apiVersion: string; kind: string }[];
}

/** One entry of a step's requirements.requiredResources list. */
export interface RequiredResourceSelector {
  requirementName: string;
  apiVersion: string;
  kind: string;
  namespace?: string;
  name?: string;
  matchLabels?: Record<string, string>;
}

const COMPOSITION_API_VERSION = 'apiextensions.crossplane.io/v1';

/** Loads a Composition and checks that it is a Function pipeline (spec.mode: Pipeline). */
export async function loadComposition(file: string): Promise<Composition> {
  const { object, source } = await readSingleObject(file);

  const apiVersion = getString(object, ['apiVersion']);
  const kind = getString(object, ['kind']);
  if (apiVersion !== COMPOSITION_API_VERSION || kind !== 'Composition') {
    throw new RenderError(
      `${source} has ${describeType(apiVersion, kind)}, ` +
        `expected apiVersion ${COMPOSITION_API_VERSION} and kind Composition`,
    );
  }

  const name = requireString(object, ['metadata', 'name'], source);
  const mode = getString(object, ['spec', 'mode']);
  if (mode !== 'Pipeline') {
    throw new RenderError(
      `${source}: spec.mode is ${mode === undefined ? 'not set' : `"${mode}"`}, ` +
        'but render supports only Composition Function pipelines: set spec.mode: Pipeline',
    );
  }

  const pipeline = getField(object, ['spec', 'pipeline']);
  if (pipeline !== undefined && !Array.isArray(pipeline)) {
    throw new RenderError(`${source}: spec.pipeline must be a list of steps`);
  }

  const steps = (pipeline ?? []).map((step: unknown, index: number) =>
    parsePipelineStep(step, source, `spec.pipeline[${index}]`),
  );

  const seen = new Set<string>();
  steps.forEach((step, index) => {
    if (seen.has(step.step)) {
      throw new RenderError(
        `${source}: spec.pipeline[${index}].step "${step.step}" is used by an earlier step, ` +
          'step names must be unique',
      );
    }
    seen.add(step.step);
  });

  return {
    name,
    labels: getStringMap(object, ['metadata', 'labels']),
    compositeTypeRef: {
      apiVersion: requireString(object, ['spec', 'compositeTypeRef', 'apiVersion'], source),
      kind: requireString(object, ['spec', 'compositeTypeRef', 'kind'], source),
    },
    pipeline: steps,
  };
}

function parsePipelineStep(value: unknown, source: string, path: string): PipelineStep {
  if (!isJsonObject(value)) {
    throw new RenderError(`${source}: ${path} must be a mapping`);
  }

  const parsed: PipelineStep = {
    step: requireString(value, ['step'], source, path),
    functionName: requireString(value, ['functionRef', 'name'], source, path),
    credentials: parseCredentials(value['credentials'], source, `${path}.credentials`),
  };

  const input = value['input'];
  if (input !== undefined && input !== null) {
    if (!isJsonObject(input)) {
      throw new RenderError(
        `${source}: ${path}.input must be a Kubernetes object (a YAML mapping)`,
      );
    }
    parsed.input = input;
  }

  const requirements = value['requirements'];
  if (requirements !== undefined && requirements !== null) {
    parsed.requirements = parseRequirements(requirements, source, `${path}.requirements`);
  }
  return parsed;
}

function parseCredentials(value: unknown, source: string, path: string): StepCredentials[] {
  return listOfObjects(value, source, path).map((entry, index) => {
    const at = `${path}[${index}]`;
    const credentials: StepCredentials = {
      name: requireString(entry, ['name'], source, at),
      source: requireString(entry, ['source'], source, at),
    };

    const secretRef = getObject(entry, ['secretRef']);
    if (secretRef !== undefined) {
      credentials.secretRef = {
        namespace: getString(secretRef, ['namespace']) ?? '',
        name: getString(secretRef, ['name']) ?? '',
      };
    }
    return credentials;
  });
}

function parseRequirements(value: unknown, source: string, path: string): StepRequirements {
  if (!isJsonObject(value)) {
    throw new RenderError(`${source}: ${path} must be a mapping`);
  }

  const resources = listOfObjects(value['requiredResources'], source, `${path}.requiredResources`);
  const schemas = listOfObjects(value['requiredSchemas'], source, `${path}.requiredSchemas`);

  return {
    requiredResources: resources.map((entry, index) => {
      const at = `${path}.requiredResources[${index}]`;
      const selector: RequiredResourceSelector = {
        requirementName: requireString(entry, ['requirementName'], source, at),
        apiVersion: requireString(entry, ['apiVersion'], source, at),
        kind: requireString(entry, ['kind'], source, at),
      };
      const namespace = getString(entry, ['namespace']);
      if (namespace !== undefined) {
        selector.namespace = namespace;
      }
      const name = getString(entry, ['name']);
      if (name !== undefined) {
        selector.name = name;
      }
      if (getObject(entry, ['matchLabels']) !== undefined) {
        selector.matchLabels = getStringMap(entry, ['matchLabels']);
      }
      return selector;
    }),
    requiredSchemas: schemas.map((entry, index) => {
      const at = `${path}.requiredSchemas[${index}]`;
      return {
        requirementName: requireString(entry, ['requirementName'], source, at),
        apiVersion: requireString(entry, ['apiVersion'], source, at),
        kind: requireString(entry, ['kind'], source, at),
      };
    }),
  };
}

function listOfObjects(value: unknown, source: string, path: string): JsonObject[] {
  if (value === undefined || value === null) {
    return [];
  }
  if (!Array.isArray(value) || !value.every(isJsonObject)) {
    throw new RenderError(`${source}: ${path} must be a list of mappings`);
  }
  return value;
}

/**
 * Checks that the Composition can compose this XR: its compositeTypeRef must
 * name the XR's apiVersion and kind, and it must carry every label of the
 * XR's spec.crossplane.compositionSelector.matchLabels.
 */
export function checkCompositionMatches(xr: JsonObject, composition: Composition): void {
  const kind = getString(xr, ['kind']);
  const apiVersion = getString(xr, ['apiVersion']);
  const ref = composition.compositeTypeRef;

  if (ref.kind !== kind) {
    throw new RenderError(
      `composition's compositeTypeRef.kind (${ref.kind}) does not match XR's kind (${kind})`,
    );
  }
  if (ref.apiVersion !== apiVersion) {
    throw new RenderError(
      `composition's compositeTypeRef.apiVersion (${ref.apiVersion}) does not match ` +
        `XR's apiVersion (${apiVersion})`,
    );
  }

  const selector = getStringMap(xr, ['spec', 'crossplane', 'compositionSelector', 'matchLabels']);
  for (const [key, value] of Object.entries(selector)) {
    const actual = composition.labels[key];
    if (actual === undefined) {
      throw new RenderError(`composition "${composition.name}" is missing required label "${key}"`);
    }
    if (actual !== value) {
      throw new RenderError(
        `composition "${composition.name}" has incorrect value for label "${key}": ` +
          `want "${value}", got "${actual}"`,
      );
    }
  }
}

import { Severity } from '@crossplane-org/function-sdk-typescript';
import type { State } from '@crossplane-org/function-sdk-typescript';
import {
  RESERVED_CONDITION_TYPES,
  fromFunctionCondition,
  readyCondition,
  setConditions,
} from './conditions.js';
import { RenderError } from './errors.js';
import {
  COMPOSITION_RESOURCE_NAME,
  compareUtf8,
  ensureObject,
  getField,
  getObject,
  getString,
  isJsonObject,
} from './object.js';
import type { JsonObject } from './object.js';
import type { PipelineOutput, StepResult } from './pipeline.js';
import { stringifyYamlDocument } from './yaml.js';

/** The apiVersion of the Result and Context documents crossplane render prints. */
export const RENDER_API_VERSION = 'render.crossplane.io/v1beta1';

/** The label that ties a composed resource to its XR. */
export const COMPOSITE_LABEL = 'crossplane.io/composite';

const CLAIM_NAME_LABEL = 'crossplane.io/claim-name';
const CLAIM_NAMESPACE_LABEL = 'crossplane.io/claim-namespace';

/** Options for the optional output documents: crossplane render's -x, -r and -c. */
export interface OutputOptions {
  includeFullXR: boolean;
  includeFunctionResults: boolean;
  includeContext: boolean;
}

/**
 * Shapes what the pipeline produced into the documents crossplane render
 * prints: the XR, the composed resources sorted by key, then the results
 * (with includeFunctionResults) and the context (with includeContext, when
 * the last step returned one).
 *
 * @throws RenderError when a composed resource already has another controller.
 */
export function buildOutputDocuments(
  xr: JsonObject,
  observed: ReadonlyMap<string, JsonObject>,
  output: PipelineOutput,
  options: OutputOptions,
): JsonObject[] {
  const documents = [
    renderCompositeResource(xr, output, options.includeFullXR),
    ...renderComposedResources(xr, output.desired, observed),
  ];

  if (options.includeFunctionResults) {
    documents.push(...output.results.map(resultDocument));
  }
  if (options.includeContext && output.context !== undefined) {
    documents.push({ apiVersion: RENDER_API_VERSION, kind: 'Context', fields: output.context });
  }
  return documents;
}

/** Serializes documents as a YAML stream, each document starting with `---`. */
export function formatDocuments(documents: readonly JsonObject[]): string {
  return documents.map((document) => `---\n${stringifyYamlDocument(document)}`).join('');
}

/**
 * Renders the XR: the desired composite resource the pipeline returned, with
 * the identity of the input XR, the Ready condition computed from composed
 * readiness and the conditions the steps returned.
 *
 * Functions normally return only status for the XR, which is all Crossplane
 * applies, so the result is usually apiVersion, kind, name and status. With
 * includeFullXR the input XR's metadata and spec are copied in as well.
 */
export function renderCompositeResource(
  xr: JsonObject,
  output: PipelineOutput,
  includeFullXR: boolean,
): JsonObject {
  const rendered = structuredClone(output.desired?.composite?.resource ?? {}) as JsonObject;

  rendered['apiVersion'] = getString(xr, ['apiVersion']);
  rendered['kind'] = getString(xr, ['kind']);
  const metadata = ensureObject(rendered, ['metadata']);
  metadata['name'] = getString(xr, ['metadata', 'name']);
  setOrDelete(metadata, 'namespace', getString(xr, ['metadata', 'namespace']));

  setConditions(rendered, [readyCondition(output.desired)]);
  for (const condition of output.conditions) {
    if (!RESERVED_CONDITION_TYPES.has(condition.type)) {
      setConditions(rendered, [fromFunctionCondition(condition)]);
    }
  }

  if (includeFullXR) {
    const spec = getField(xr, ['spec']);
    if (spec !== undefined) {
      rendered['spec'] = structuredClone(spec);
    }
    rendered['metadata'] = structuredClone(getField(xr, ['metadata']));
  }
  return rendered;
}

/**
 * Renders the desired composed resources, sorted by key, with the metadata
 * Crossplane adds when it composes them.
 *
 * A resource that was observed under the same key keeps the observed name,
 * generateName and namespace. Otherwise a name the function set is kept, and
 * without one the resource gets generateName `<xr-name>-`. Each resource gets
 * the crossplane.io/composite label, the composition-resource-name
 * annotation and a controller reference to the XR (its uid is empty when the
 * XR has none). Resources of a namespaced XR are put in its namespace.
 *
 * @throws RenderError when a resource already has another controller.
 */
export function renderComposedResources(
  xr: JsonObject,
  desired: State | undefined,
  observed: ReadonlyMap<string, JsonObject>,
): JsonObject[] {
  const keys = Object.keys(desired?.resources ?? {}).sort(compareUtf8);

  return keys.map((key) => {
    const resource = desired?.resources[key]?.resource ?? {};
    const composed = structuredClone(resource) as JsonObject;
    const metadata = ensureObject(composed, ['metadata']);

    const existing = observed.get(key);
    if (existing !== undefined) {
      for (const field of ['namespace', 'name', 'generateName']) {
        setOrDelete(metadata, field, getString(existing, ['metadata', field]));
      }
    }

    setComposedMetadata(composed, xr, key);
    return composed;
  });
}

function setComposedMetadata(composed: JsonObject, xr: JsonObject, key: string): void {
  const metadata = ensureObject(composed, ['metadata']);
  const xrName = getString(xr, ['metadata', 'name']) ?? '';
  const xrNamespace = getString(xr, ['metadata', 'namespace']) ?? '';
  const xrLabels = getObject(xr, ['metadata', 'labels']) ?? {};

  // A nested XR carries its root XR's name in this label, and everything it
  // composes is named after that root.
  const rootLabel = xrLabels[COMPOSITE_LABEL];
  const prefix = typeof rootLabel === 'string' && rootLabel !== '' ? rootLabel : xrName;

  if (!nonEmpty(metadata['name']) && !nonEmpty(metadata['generateName'])) {
    metadata['generateName'] = `${prefix}-`;
  }

  // A namespaced XR can compose only into its own namespace.
  if (xrNamespace !== '') {
    metadata['namespace'] = xrNamespace;
  }

  ensureObject(metadata, ['annotations'])[COMPOSITION_RESOURCE_NAME] = key;
  const labels = ensureObject(metadata, ['labels']);
  labels[COMPOSITE_LABEL] = prefix;

  const claimName = xrLabels[CLAIM_NAME_LABEL];
  const claimNamespace = xrLabels[CLAIM_NAMESPACE_LABEL];
  if (nonEmpty(claimName) && nonEmpty(claimNamespace)) {
    labels[CLAIM_NAME_LABEL] = claimName;
    labels[CLAIM_NAMESPACE_LABEL] = claimNamespace;
  }

  addControllerReference(metadata, {
    apiVersion: getString(xr, ['apiVersion']) ?? '',
    kind: getString(xr, ['kind']) ?? '',
    name: xrName,
    uid: getString(xr, ['metadata', 'uid']) ?? '',
    controller: true,
    blockOwnerDeletion: true,
  });
}

interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/**
 * Adds a controller reference the way Crossplane does: it replaces any
 * reference with the same uid, existing references are rewritten in
 * OwnerReference shape, and a controller with another uid is an error.
 */
function addControllerReference(metadata: JsonObject, reference: OwnerReference): void {
  const value = metadata['ownerReferences'];
  const references = Array.isArray(value) ? value.filter(isJsonObject).map(toOwnerReference) : [];

  const controller = references.find((existing) => existing.controller === true);
  if (controller !== undefined && controller.uid !== reference.uid) {
    throw new RenderError(
      `cannot set composite resource "${reference.name}" as controller of composed resource ` +
        `"${getString(metadata, ['name']) ?? ''}": it is already controlled by ` +
        `${controller.kind} ${controller.name} (UID ${controller.uid})`,
    );
  }

  const index = references.findIndex((existing) => existing.uid === reference.uid);
  if (index >= 0) {
    references[index] = reference;
  } else {
    references.push(reference);
  }
  metadata['ownerReferences'] = references;
}

function toOwnerReference(entry: JsonObject): OwnerReference {
  const reference: OwnerReference = {
    apiVersion: getString(entry, ['apiVersion']) ?? '',
    kind: getString(entry, ['kind']) ?? '',
    name: getString(entry, ['name']) ?? '',
    uid: getString(entry, ['uid']) ?? '',
  };
  if (typeof entry['controller'] === 'boolean') {
    reference.controller = entry['controller'];
  }
  if (typeof entry['blockOwnerDeletion'] === 'boolean') {
    reference.blockOwnerDeletion = entry['blockOwnerDeletion'];
  }
  return reference;
}

function resultDocument(result: StepResult): JsonObject {
  return {
    apiVersion: RENDER_API_VERSION,
    kind: 'Result',
    step: result.step,
    // The protobuf enum name, such as SEVERITY_WARNING; an unknown value
    // prints as its number.
    severity: Severity[result.severity] ?? String(result.severity),
    message: result.message,
  };
}

function nonEmpty(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

function setOrDelete(object: JsonObject, field: string, value: string | undefined): void {
  if (value === undefined || value === '') {
    Reflect.deleteProperty(object, field);
  } else {
    object[field] = value;
  }
}

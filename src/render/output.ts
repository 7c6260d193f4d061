import { Ready, Severity, Status } from '@crossplane-org/function-sdk-typescript';
import type { Condition, State } from '@crossplane-org/function-sdk-typescript';
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

/**
 * The lastTransitionTime of every condition crossplane render sets. The field
 * is required, and a real time would make every render differ.
 */
export const CONDITION_TIME = '2024-01-01T00:00:00Z';

/**
 * Condition types that functions may not set on the XR, because Crossplane
 * owns them: Ready, Synced and Healthy (crossplane-runtime), Responsive (the
 * XR controller in Crossplane 2.2) and UpToDate (Crossplane's core API after
 * 2.2). crossplane render 2.2 itself skips only the first three.
 */
export const RESERVED_CONDITION_TYPES: ReadonlySet<string> = new Set([
  'Ready',
  'Synced',
  'Healthy',
  'UpToDate',
  'Responsive',
]);

/** How many unready resources the Ready message names before "and N more". */
const UNREADY_NAMES_LISTED = 3;

/** A status condition as Crossplane writes it into status.conditions. */
export interface XrCondition {
  type: string;
  status: string;
  lastTransitionTime: string | null;
  reason: string;
  message?: string;
  observedGeneration?: number;
}

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
 * Computes the XR's Ready condition. A composite readiness set by a function
 * wins: READY_TRUE gives Available and READY_FALSE gives Creating. Otherwise
 * the XR is Available only when every desired composed resource is
 * READY_TRUE, which Crossplane never derives from their status.
 */
export function readyCondition(desired: State | undefined): XrCondition {
  const available: XrCondition = {
    type: 'Ready',
    status: 'True',
    lastTransitionTime: CONDITION_TIME,
    reason: 'Available',
  };
  const creating: XrCondition = { ...available, status: 'False', reason: 'Creating' };

  const compositeReady = desired?.composite?.ready ?? Ready.READY_UNSPECIFIED;
  if (compositeReady === Ready.READY_FALSE) {
    return creating;
  }
  if (compositeReady !== Ready.READY_UNSPECIFIED) {
    return available;
  }

  const unready = Object.entries(desired?.resources ?? {})
    .filter(([, resource]) => resource.ready !== Ready.READY_TRUE)
    .map(([key]) => key);
  if (unready.length === 0) {
    return available;
  }
  return { ...creating, message: formatUnreadyMessage(unready) };
}

/**
 * Words the Ready message the way Crossplane does: keys sorted, at most
 * three named, the last after "and" ("Unready resources: a, b, and c" or
 * "Unready resources: a, b, c, and 2 more").
 */
export function formatUnreadyMessage(keys: readonly string[]): string {
  const sorted = [...keys].sort(compareUtf8);
  const listed = sorted.slice(0, UNREADY_NAMES_LISTED);

  let names: string;
  if (sorted.length > UNREADY_NAMES_LISTED) {
    names = `${listed.join(', ')}, and ${sorted.length - UNREADY_NAMES_LISTED} more`;
  } else if (sorted.length === UNREADY_NAMES_LISTED) {
    names = `${listed.slice(0, -1).join(', ')}, and ${listed[listed.length - 1]}`;
  } else {
    names = listed.join(', ');
  }
  return `Unready resources: ${names}`;
}

function fromFunctionCondition(condition: Condition): XrCondition {
  const converted: XrCondition = {
    type: condition.type,
    status: conditionStatus(condition.status),
    lastTransitionTime: CONDITION_TIME,
    reason: condition.reason,
  };
  if (condition.message !== undefined && condition.message !== '') {
    converted.message = condition.message;
  }
  return converted;
}

function conditionStatus(status: Status): string {
  switch (status) {
    case Status.STATUS_CONDITION_TRUE:
      return 'True';
    case Status.STATUS_CONDITION_FALSE:
      return 'False';
    default:
      return 'Unknown';
  }
}

/**
 * Sets conditions on an object's status.conditions the way Crossplane does:
 * a condition replaces every existing one of its type unless they are equal
 * (same status, reason and message), and is appended when its type is new.
 */
export function setConditions(object: JsonObject, conditions: readonly XrCondition[]): void {
  const status = ensureObject(object, ['status']);
  const current = readConditions(status['conditions']);

  for (const condition of conditions) {
    let exists = false;
    current.forEach((existing, index) => {
      if (existing.type !== condition.type) {
        return;
      }
      exists = true;
      if (!conditionsEqual(existing, condition)) {
        current[index] = condition;
      }
    });
    if (!exists) {
      current.push(condition);
    }
  }
  status['conditions'] = current;
}

/**
 * Reads existing conditions into the shape Crossplane keeps. Like Crossplane,
 * it starts from no conditions when any entry has a field of the wrong type.
 */
function readConditions(value: unknown): XrCondition[] {
  if (!Array.isArray(value)) {
    return [];
  }

  const conditions: XrCondition[] = [];
  for (const entry of value) {
    const parsed = isJsonObject(entry) ? readCondition(entry) : undefined;
    if (parsed === undefined) {
      return [];
    }
    conditions.push(parsed);
  }
  return conditions;
}

function readCondition(entry: JsonObject): XrCondition | undefined {
  const text = (field: string): string | undefined => {
    const value = entry[field] ?? '';
    return typeof value === 'string' ? value : undefined;
  };
  const type = text('type');
  const status = text('status');
  const reason = text('reason');
  const message = text('message');
  const time = entry['lastTransitionTime'] ?? null;
  const generation = entry['observedGeneration'] ?? 0;

  if (
    type === undefined ||
    status === undefined ||
    reason === undefined ||
    message === undefined ||
    (time !== null && typeof time !== 'string') ||
    typeof generation !== 'number'
  ) {
    return undefined;
  }

  const condition: XrCondition = { type, status, lastTransitionTime: time, reason };
  if (message !== '') {
    condition.message = message;
  }
  if (generation !== 0) {
    condition.observedGeneration = generation;
  }
  return condition;
}

function conditionsEqual(a: XrCondition, b: XrCondition): boolean {
  const generationsDiffer =
    a.observedGeneration !== undefined &&
    b.observedGeneration !== undefined &&
    a.observedGeneration !== b.observedGeneration;
  return (
    a.type === b.type &&
    a.status === b.status &&
    a.reason === b.reason &&
    (a.message ?? '') === (b.message ?? '') &&
    !generationsDiffer
  );
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

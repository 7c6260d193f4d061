import { Ready, Status } from '@crossplane-org/function-sdk-typescript';
import type { Condition, State } from '@crossplane-org/function-sdk-typescript';
import { compareUtf8, ensureObject, isJsonObject } from './object.js';
import type { JsonObject } from './object.js';

/**
 * The lastTransitionTime of every condition crossplane render sets. The field
 * is required, and a real time would make every render differ.
 */
export const CONDITION_TIME = '2024-01-01T00:00:00Z';

/**
 * Condition types that functions may not set on the XR, because Crossplane
 * owns them: Ready, Synced and Healthy (crossplane-runtime), Responsive (the
 * XR controller since 2.2) and UpToDate (system conditions since 2.3).
 * crossplane render 2.2 itself skips only the first three.
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

/** Converts a condition a step returned into the shape it takes on the XR. */
export function fromFunctionCondition(condition: Condition): XrCondition {
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

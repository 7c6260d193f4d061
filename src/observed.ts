import { isObject } from './errors.js';

/** A status condition as Crossplane's providers write it. */
export interface ObservedCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

/**
 * Find a condition of an observed resource by type. Optional fields that are
 * not strings are left out, so that messages built from them cannot fail.
 */
export function findCondition(resource: unknown, type: string): ObservedCondition | undefined {
  if (
    !isObject(resource) ||
    !isObject(resource.status) ||
    !Array.isArray(resource.status.conditions)
  ) {
    return undefined;
  }
  for (const condition of resource.status.conditions) {
    if (isObject(condition) && condition.type === type && typeof condition.status === 'string') {
      const found: ObservedCondition = { type, status: condition.status };
      if (typeof condition.reason === 'string') found.reason = condition.reason;
      if (typeof condition.message === 'string') found.message = condition.message;
      if (typeof condition.lastTransitionTime === 'string') {
        found.lastTransitionTime = condition.lastTransitionTime;
      }
      return found;
    }
  }
  return undefined;
}

/** Report whether an observed resource has the condition with status True. */
export function isConditionTrue(resource: unknown, type: string): boolean {
  return findCondition(resource, type)?.status === 'True';
}

/** Read `status.atProvider.<field>` of an observed managed resource. */
export function atProvider(resource: unknown): Record<string, unknown> | undefined {
  if (!isObject(resource) || !isObject(resource.status) || !isObject(resource.status.atProvider)) {
    return undefined;
  }
  return resource.status.atProvider;
}

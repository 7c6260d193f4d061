import { objectResourceKey } from './keys.js';
import type { ObservedResources } from './connection.js';
import { findCondition, isConditionTrue } from './observed.js';
import type { TenantObject } from './objects.js';

/** Phase of one tenant object. */
export type ObjectPhase =
  | 'WaitingForConnection'
  | 'WaitingForNamespace'
  | 'WaitingForDeletion'
  | 'Creating'
  | 'Ready'
  | 'NotReady'
  | 'SyncFailed';

export interface ObjectPlan {
  object: TenantObject;
  /** Whether the Object (and its Usage) is in desired state this call. */
  compose: boolean;
  phase: ObjectPhase;
  ready: boolean;
  synced: boolean;
  /** The observed Object, when there is one. */
  observed?: Record<string, unknown>;
  /** Reason the object is waiting or failing, in the provider's words where it gave some. */
  message?: string;
}

/**
 * Decide, for each tenant object, whether its Object is composed now.
 *
 * An Object that was observed is always composed, whatever the connection
 * does later: leaving it out of desired state would make Crossplane delete it,
 * and so delete the remote object. A new Object waits for the connection,
 * and for the Namespace object of this XR that it lives in. Nothing new is
 * created while the XR is being deleted.
 */
export function planObjects(
  objects: readonly TenantObject[],
  observed: ObservedResources,
  connected: boolean,
  deleting: boolean,
): ObjectPlan[] {
  const namespaceObjects = new Map<string, TenantObject>();
  for (const object of objects) {
    if (object.apiVersion === 'v1' && object.kind === 'Namespace') {
      namespaceObjects.set(object.name, object);
    }
  }

  return objects.map((object) => {
    const current = observed[objectResourceKey(object.key)];
    if (current !== undefined) {
      return observedPlan(object, current);
    }
    if (deleting) {
      return waiting(
        object,
        'WaitingForDeletion',
        'the XR is being deleted, so this object is not created',
      );
    }
    if (!connected) {
      return waiting(
        object,
        'WaitingForConnection',
        'waiting for the connection to the remote cluster',
      );
    }
    const namespace =
      object.namespace !== undefined ? namespaceObjects.get(object.namespace) : undefined;
    if (namespace !== undefined && namespace !== object) {
      const namespaceObject = observed[objectResourceKey(namespace.key)];
      if (!isConditionTrue(namespaceObject, 'Ready')) {
        return waiting(
          object,
          'WaitingForNamespace',
          `waiting for namespace ${namespace.name} (object ${namespace.key}) to be ready`,
        );
      }
    }
    return { object, compose: true, phase: 'Creating', ready: false, synced: false };
  });
}

function waiting(object: TenantObject, phase: ObjectPhase, message: string): ObjectPlan {
  return { object, compose: false, phase, ready: false, synced: false, message };
}

/** Hint appended when the remote API server rejects the kubeconfig's token. */
const UNAUTHORIZED_HINT =
  'the remote cluster rejected the credentials: check that the IAM role provider-aws-eks signs in with has an EKS access entry (or aws-auth mapping) with permission for this object';

function observedPlan(object: TenantObject, current: Record<string, unknown>): ObjectPlan {
  const ready = findCondition(current, 'Ready');
  const synced = findCondition(current, 'Synced');
  const plan: ObjectPlan = {
    object,
    compose: true,
    phase: 'NotReady',
    ready: ready?.status === 'True',
    synced: synced?.status === 'True',
    observed: current,
  };
  if (synced?.status === 'False') {
    plan.phase = 'SyncFailed';
    plan.message = synced.message ?? synced.reason ?? 'the provider could not apply this object';
  } else if (plan.ready) {
    plan.phase = 'Ready';
  } else if (ready === undefined && synced === undefined) {
    plan.phase = 'Creating';
  } else if (ready?.message || ready?.reason) {
    plan.message = ready.message ?? ready.reason;
  }
  if (
    plan.message !== undefined &&
    /unauthorized|forbidden|provide credentials/i.test(plan.message)
  ) {
    plan.message = `${plan.message} (${UNAUTHORIZED_HINT})`;
  }
  return plan;
}

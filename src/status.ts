import { Status, type Condition } from '@crossplane-org/function-sdk-typescript';
import { shorten, type ConnectionState } from './connection.js';
import { getFieldValue } from './fieldpath.js';
import type { ObjectPlan } from './lifecycle.js';
import type { ComposedNames } from './names.js';
import { atProvider } from './observed.js';

/** Condition types this function sets on the XR. Crossplane reserves Ready and Synced. */
export const CLUSTER_CONNECTED = 'ClusterConnected';
export const OBJECTS_READY = 'ObjectsReady';

/** Objects named in the ObjectsReady message before the rest are counted. */
const MAX_LISTED_OBJECTS = 5;

export interface ObjectStatus {
  key: string;
  /** Name of the provider-kubernetes Object in the control plane. */
  objectName: string;
  remote: { apiVersion: string; kind: string; namespace?: string; name: string };
  phase: string;
  ready: boolean;
  synced: boolean;
  message?: string;
  /** Values picked by statusFields from the observed remote object. */
  fields?: Record<string, unknown>;
}

export interface CompositeStatus {
  connection: Record<string, unknown>;
  objects: ObjectStatus[];
  /** "ready/total", for a printer column. */
  objectsReady: string;
}

/**
 * Build the XR's status from this call's observations only, so entries of
 * removed objects disappear. Objects are listed in spec order.
 */
export function buildCompositeStatus(
  connection: Record<string, unknown>,
  plans: readonly ObjectPlan[],
  names: ComposedNames,
): CompositeStatus {
  const objects = plans.map((plan) => objectStatus(plan, names));
  const ready = objects.filter((o) => o.ready).length;
  return { connection, objects, objectsReady: `${ready}/${objects.length}` };
}

function objectStatus(plan: ObjectPlan, names: ComposedNames): ObjectStatus {
  const { object } = plan;
  const remote: ObjectStatus['remote'] = {
    apiVersion: object.apiVersion,
    kind: object.kind,
    name: object.name,
  };
  if (object.namespace !== undefined) remote.namespace = object.namespace;
  const status: ObjectStatus = {
    key: object.key,
    objectName: names.object(object.key),
    remote,
    phase: plan.phase,
    ready: plan.ready,
    synced: plan.synced,
  };
  if (plan.message !== undefined) status.message = shorten(plan.message);

  if (object.statusFields.length > 0 && plan.observed !== undefined) {
    const manifest = atProvider(plan.observed)?.manifest;
    const fields: Record<string, unknown> = {};
    for (const field of object.statusFields) {
      const value = getFieldValue(manifest, field.parsed);
      if (value !== undefined) fields[field.name] = value;
    }
    status.fields = fields;
  }
  return status;
}

/** Summarise the connection and the objects as two XR conditions. */
export function buildConditions(
  connection: ConnectionState,
  plans: readonly ObjectPlan[],
): Condition[] {
  return [
    condition(CLUSTER_CONNECTED, connection.connected, connection.reason, connection.message),
    objectsCondition(plans, connection.connected),
  ];
}

function objectsCondition(plans: readonly ObjectPlan[], connected: boolean): Condition {
  const total = plans.length;
  const notReady = plans.filter((p) => !p.ready);
  const summary = `${total - notReady.length} of ${total} objects are ready`;
  if (total === 0) {
    return condition(OBJECTS_READY, true, 'NoObjects', 'spec.objects lists no objects');
  }
  if (notReady.length === 0) {
    return condition(OBJECTS_READY, true, 'AllObjectsReady', summary);
  }
  if (!connected && notReady.every((p) => p.phase === 'WaitingForConnection')) {
    return condition(
      OBJECTS_READY,
      false,
      'WaitingForConnection',
      `${summary}; waiting for the connection to the remote cluster`,
    );
  }
  const listed = notReady
    .slice(0, MAX_LISTED_OBJECTS)
    .map((p) => `${p.object.key} (${p.phase}${p.message ? `: ${shorten(p.message, 200)}` : ''})`);
  if (notReady.length > MAX_LISTED_OBJECTS) {
    listed.push(`and ${notReady.length - MAX_LISTED_OBJECTS} more`);
  }
  const failing = notReady.some((p) => p.phase === 'SyncFailed');
  return condition(
    OBJECTS_READY,
    false,
    failing ? 'ObjectsFailing' : 'ObjectsNotReady',
    `${summary}; not ready: ${listed.join(', ')}`,
  );
}

function condition(type: string, ok: boolean, reason: string, message: string): Condition {
  return {
    type,
    status: ok ? Status.STATUS_CONDITION_TRUE : Status.STATUS_CONDITION_FALSE,
    reason,
    message: shorten(message),
  };
}

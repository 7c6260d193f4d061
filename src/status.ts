import { Status, type Condition } from '@crossplane-org/function-sdk-typescript';
import { getFieldValue } from './fieldpath.js';
import type { ComposedNames } from './names.js';
import type { ConnectionState, ObjectPlan } from './lifecycle.js';
import { atProvider } from './observed.js';
import type { Settings } from './input.js';
import type { RemoteClusterSpec } from './xr.js';

/** Condition types this function sets on the XR. Crossplane reserves Ready and Synced. */
export const CLUSTER_CONNECTED = 'ClusterConnected';
export const OBJECTS_READY = 'ObjectsReady';

/** Longest provider message copied into the XR; a condition is not a log. */
const MAX_MESSAGE_LENGTH = 1024;

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
  connection: {
    cluster: string;
    region: string;
    clusterAuth: string;
    providerConfig: string;
    secret: { namespace: string; name: string };
    phase: string;
    ready: boolean;
    message?: string;
    lastRefreshTime?: string;
  };
  objects: ObjectStatus[];
  /** "ready/total", for a printer column. */
  objectsReady: string;
}

/**
 * Build the XR's status from this call's observations only, so entries of
 * removed objects disappear. Objects are listed in spec order.
 */
export function buildCompositeStatus(
  cluster: RemoteClusterSpec['cluster'],
  settings: Settings,
  names: ComposedNames,
  connection: ConnectionState,
  plans: readonly ObjectPlan[],
): CompositeStatus {
  const connectionStatus: CompositeStatus['connection'] = {
    cluster: cluster.name,
    region: cluster.region,
    clusterAuth: names.clusterAuth,
    providerConfig: names.providerConfig,
    secret: { namespace: settings.connectionSecretNamespace, name: names.connectionSecret },
    phase: connection.phase,
    ready: connection.phase === 'Connected',
  };
  if (connection.message !== undefined) connectionStatus.message = shorten(connection.message);
  if (connection.lastRefreshTime !== undefined)
    connectionStatus.lastRefreshTime = connection.lastRefreshTime;

  const objects = plans.map((plan) => objectStatus(plan, names));
  const ready = objects.filter((o) => o.ready).length;
  return { connection: connectionStatus, objects, objectsReady: `${ready}/${objects.length}` };
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

/** Summarise the status as two XR conditions. */
export function buildConditions(
  status: CompositeStatus,
  plans: readonly ObjectPlan[],
): Condition[] {
  return [connectionCondition(status.connection), objectsCondition(plans, status.connection.ready)];
}

function connectionCondition(connection: CompositeStatus['connection']): Condition {
  const clusterAuth = `ClusterAuth ${connection.clusterAuth}`;
  switch (connection.phase) {
    case 'Connected':
      return condition(
        CLUSTER_CONNECTED,
        true,
        'Connected',
        `${clusterAuth} signed in to EKS cluster ${connection.cluster} in ${connection.region}; ClusterProviderConfig ${connection.providerConfig} reads its kubeconfig`,
      );
    case 'WaitingForClusterAuth':
      return condition(
        CLUSTER_CONNECTED,
        false,
        'WaitingForClusterAuth',
        `waiting for ${clusterAuth} to be created and sign in to EKS cluster ${connection.cluster} in ${connection.region}`,
      );
    case 'ClusterAuthNotReady':
      return condition(
        CLUSTER_CONNECTED,
        false,
        'ClusterAuthNotReady',
        `${clusterAuth} is not ready${connection.message ? `: ${connection.message}` : ''}`,
      );
    default:
      return condition(
        CLUSTER_CONNECTED,
        false,
        'WaitingForProviderConfig',
        `waiting for ClusterProviderConfig ${connection.providerConfig} to be created`,
      );
  }
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

function shorten(message: string, max = MAX_MESSAGE_LENGTH): string {
  return message.length <= max ? message : `${message.slice(0, max)}…`;
}

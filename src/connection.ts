import { Ready } from '@crossplane-org/function-sdk-typescript';
import { buildClusterAuth, NAMESPACED_CLUSTER_AUTH_API } from './compose/cluster-auth.js';
import {
  buildProviderConfig,
  PROVIDER_KUBERNETES_API_VERSION,
  type ProviderConfigRef,
} from './compose/provider-config.js';
import { buildUsage, type UsageTarget } from './compose/usage.js';
import { isObject } from './errors.js';
import type { Settings } from './input.js';
import { CLUSTER_AUTH_KEY, CLUSTER_AUTH_USAGE_KEY, PROVIDER_CONFIG_KEY } from './keys.js';
import { composedNames, type ComposedNames } from './names.js';
import { atProvider, findCondition, isConditionTrue } from './observed.js';

/** Observed composed resources by key, as the request carries them. */
export type ObservedResources = Readonly<Record<string, Record<string, unknown> | undefined>>;

/** One desired composed resource with the readiness this function gives it. */
export interface ComposedResource {
  key: string;
  resource: Record<string, unknown>;
  ready: Ready;
}

/** State of the connection to the remote cluster, with the reason the ClusterConnected condition reports. */
export interface ConnectionState {
  connected: boolean;
  /** PascalCase reason of the ClusterConnected condition. */
  reason: string;
  /** Message of the ClusterConnected condition. */
  message: string;
}

/** Everything the tenant objects need from the connection to the remote cluster. */
export interface ConnectionPlan {
  /** Composed resources of the connection itself; none for a shared cluster. */
  resources: ComposedResource[];
  state: ConnectionState;
  /** Provider config that new Objects use. */
  providerConfigRef: ProviderConfigRef;
  /** Target of each Object's Usage; undefined until it is known. */
  usageOf?: UsageTarget;
  /** The XR's status.connection. */
  status: Record<string, unknown>;
}

/** Maximum length of a provider message copied into the XR, because a condition is not a log. */
const MAX_MESSAGE_LENGTH = 1024;

export function shorten(message: string, max = MAX_MESSAGE_LENGTH): string {
  return message.length <= max ? message : `${message.slice(0, max)}…`;
}

const readyIf = (ok: boolean): Ready => (ok ? Ready.READY_TRUE : Ready.READY_FALSE);

/**
 * Plan a connection this XR owns: a ClusterAuth that writes the kubeconfig
 * Secret, a provider-kubernetes config reading it, and a Usage that keeps
 * the ClusterAuth until that config is gone.
 *
 * Without a namespace (a cluster-scoped XR's default) it composes a
 * ClusterProviderConfig and the ClusterAuth API the input selects. With one
 * (a namespaced XR's own, or the Objects' namespace when the input asks for
 * the namespaced layout) it composes the namespaced ClusterAuth API and a
 * ProviderConfig there, which Usages in that namespace can hold.
 *
 * Objects may only be created once the ClusterAuth is Ready (its Secret holds
 * a kubeconfig) and the provider config exists; before that
 * provider-kubernetes loops on "cannot get ProviderConfig" or "cannot get
 * credentials secret".
 */
export function planOwnConnection(
  cluster: {
    name: string;
    region: string;
    providerConfigRef?: { name: string; kind?: 'ProviderConfig' | 'ClusterProviderConfig' };
  },
  settings: Settings,
  names: ComposedNames,
  observed: ObservedResources,
  namespace: string | undefined,
): ConnectionPlan {
  const namespaced = namespace !== undefined;
  const apiVersion = namespaced ? NAMESPACED_CLUSTER_AUTH_API : settings.clusterAuthAPIVersion;
  const secret = {
    namespace: namespace ?? settings.connectionSecretNamespace,
    name: names.connectionSecret,
  };
  const clusterAuthNamespaced = apiVersion === NAMESPACED_CLUSTER_AUTH_API;
  // NOTE: nothing holds a ClusterProviderConfig for namespaced Objects. No
  // Usage type can bind that pair, and during foreground deletion Kubernetes
  // deletes the ProviderConfigUsages that provider-kubernetes relies on, so
  // the config can go before the Objects. The namespaced layout
  // (objects.providerConfigKind: ProviderConfig) closes that gap.
  const providerConfigRef: ProviderConfigRef = {
    kind: namespaced ? 'ProviderConfig' : 'ClusterProviderConfig',
    name: names.providerConfig,
  };

  const clusterAuth = buildClusterAuth({
    apiVersion,
    name: names.clusterAuth,
    clusterName: cluster.name,
    region: cluster.region,
    namespace: secret.namespace,
    secretName: secret.name,
    providerConfigRef: {
      name: cluster.providerConfigRef?.name ?? settings.awsProviderConfigRef.name,
      kind: cluster.providerConfigRef?.kind ?? settings.awsProviderConfigRef.kind,
    },
  });
  const clusterAuthTarget: UsageTarget = {
    apiVersion,
    kind: 'ClusterAuth',
    name: names.clusterAuth,
  };
  if (clusterAuthNamespaced) clusterAuthTarget.namespace = secret.namespace;
  const providerConfigTarget: UsageTarget = {
    apiVersion: PROVIDER_KUBERNETES_API_VERSION,
    kind: providerConfigRef.kind,
    name: providerConfigRef.name,
  };
  if (namespaced) providerConfigTarget.namespace = secret.namespace;

  const resources: ComposedResource[] = [
    {
      key: CLUSTER_AUTH_KEY,
      resource: clusterAuth,
      ready: readyIf(isConditionTrue(observed[CLUSTER_AUTH_KEY], 'Ready')),
    },
    {
      key: PROVIDER_CONFIG_KEY,
      resource: buildProviderConfig(providerConfigRef, secret),
      // provider-kubernetes sets no Ready condition on its configs.
      ready: readyIf(observed[PROVIDER_CONFIG_KEY] !== undefined),
    },
  ];
  // A Usage of the ClusterAuth by the provider config needs both in one
  // scope. No Usage type binds a cluster-scoped config to a namespaced
  // ClusterAuth, so there each Object's own Usage holds the ClusterAuth.
  const configCanHoldAuth = namespaced === clusterAuthNamespaced;
  if (configCanHoldAuth) {
    resources.push({
      key: CLUSTER_AUTH_USAGE_KEY,
      resource: buildUsage(names.clusterAuthUsage, clusterAuthTarget, providerConfigTarget),
      ready: readyIf(observed[CLUSTER_AUTH_USAGE_KEY] !== undefined),
    });
  }
  // Each Object's Usage protects something namespaced, because a namespaced
  // Usage of a cluster-scoped resource does not block its deletion: the
  // namespaced provider config, else the namespaced ClusterAuth, else the
  // kubeconfig Secret that the cluster-scoped ClusterAuth owns.
  let usageOf: UsageTarget;
  if (namespaced) {
    usageOf = providerConfigTarget;
  } else if (clusterAuthNamespaced) {
    usageOf = clusterAuthTarget;
  } else {
    usageOf = { apiVersion: 'v1', kind: 'Secret', name: secret.name, namespace: secret.namespace };
  }

  const state = ownConnectionState(observed, names, cluster, providerConfigRef);
  const status: Record<string, unknown> = {
    cluster: cluster.name,
    region: cluster.region,
    clusterAuth: names.clusterAuth,
    providerConfig: { kind: providerConfigRef.kind, name: providerConfigRef.name },
    secret,
    ready: state.connected,
    reason: state.reason,
  };
  if (!state.connected) status.message = state.message;
  const refresh = atProvider(observed[CLUSTER_AUTH_KEY])?.lastRefreshTime;
  if (typeof refresh === 'string') status.lastRefreshTime = refresh;
  return { resources, state, providerConfigRef, usageOf, status };
}

function ownConnectionState(
  observed: ObservedResources,
  names: ComposedNames,
  cluster: { name: string; region: string },
  providerConfigRef: ProviderConfigRef,
): ConnectionState {
  const clusterAuth = observed[CLUSTER_AUTH_KEY];
  const label = `ClusterAuth ${names.clusterAuth}`;
  if (clusterAuth === undefined) {
    return {
      connected: false,
      reason: 'WaitingForClusterAuth',
      message: `waiting for ${label} to be created and sign in to EKS cluster ${cluster.name} in ${cluster.region}`,
    };
  }
  if (!isConditionTrue(clusterAuth, 'Ready')) {
    // A failed sync carries the reason (no access to the cluster, wrong
    // region), while a not-ready condition alone is often just "Creating".
    const synced = findCondition(clusterAuth, 'Synced');
    const ready = findCondition(clusterAuth, 'Ready');
    const why = synced?.status === 'False' ? synced.message : (ready?.message ?? ready?.reason);
    return {
      connected: false,
      reason: 'ClusterAuthNotReady',
      message: shorten(`${label} is not ready${why ? `: ${why}` : ''}`),
    };
  }
  if (observed[PROVIDER_CONFIG_KEY] === undefined) {
    return {
      connected: false,
      reason: 'WaitingForProviderConfig',
      message: `waiting for ${providerConfigRef.kind} ${providerConfigRef.name} to be created`,
    };
  }
  return {
    connected: true,
    reason: 'Connected',
    message: `${label} signed in to EKS cluster ${cluster.name} in ${cluster.region}; ${providerConfigRef.kind} ${providerConfigRef.name} reads its kubeconfig`,
  };
}

/** Name under which the platform's remote cluster XR is requested from Crossplane. */
export const REMOTE_CLUSTER_REQUIREMENT = 'remote-cluster';

/**
 * Plan the use of a shared remote cluster whose connection the platform's
 * cluster-scoped XR owns. Nothing is composed for the connection; the
 * platform XR's status says which ClusterProviderConfig and Secret to use
 * and whether it is connected.
 *
 * Until that XR is found, new Objects wait; the ClusterProviderConfig name
 * is still known because the platform XR names it after itself.
 */
export function planSharedConnection(
  remoteClusterName: string,
  remoteCluster: Record<string, unknown> | undefined,
  remoteClusterKind: string,
): ConnectionPlan {
  const platformNames = composedNames(remoteClusterName);
  const status: Record<string, unknown> = { remoteCluster: remoteClusterName };
  const connection =
    isObject(remoteCluster?.status) && isObject(remoteCluster.status.connection)
      ? remoteCluster.status.connection
      : undefined;
  const providerConfigName =
    isObject(connection?.providerConfig) && typeof connection.providerConfig.name === 'string'
      ? connection.providerConfig.name
      : platformNames.providerConfig;
  const providerConfigRef: ProviderConfigRef = {
    kind: 'ClusterProviderConfig',
    name: providerConfigName,
  };
  status.providerConfig = providerConfigRef;

  let state: ConnectionState;
  let usageOf: UsageTarget | undefined;
  if (remoteCluster === undefined) {
    state = {
      connected: false,
      reason: 'WaitingForRemoteCluster',
      message: `waiting for ${remoteClusterKind} ${remoteClusterName}, which the platform creates to connect to the remote cluster`,
    };
  } else {
    const secret = isObject(connection?.secret) ? connection.secret : undefined;
    if (typeof secret?.name === 'string' && typeof secret.namespace === 'string') {
      usageOf = {
        apiVersion: 'v1',
        kind: 'Secret',
        name: secret.name,
        namespace: secret.namespace,
      };
      status.secret = { namespace: secret.namespace, name: secret.name };
    }
    const connected = findCondition(remoteCluster, 'ClusterConnected');
    const configKind = isObject(connection?.providerConfig)
      ? connection.providerConfig.kind
      : undefined;
    if (configKind !== undefined && configKind !== 'ClusterProviderConfig') {
      // A platform XR in the namespaced layout has a ProviderConfig only its
      // own namespace can use, so tenants elsewhere cannot share it.
      state = {
        connected: false,
        reason: 'RemoteClusterNotShared',
        message: `${remoteClusterKind} ${remoteClusterName} connects through a ${String(configKind)}, which tenants in other namespaces cannot use; the platform must compose it with objects.providerConfigKind: ClusterProviderConfig`,
      };
    } else if (connected?.status === 'True' && usageOf !== undefined) {
      state = {
        connected: true,
        reason: 'Connected',
        message: `remote cluster ${remoteClusterName} is connected; Objects use ClusterProviderConfig ${providerConfigName}`,
      };
    } else {
      state = {
        connected: false,
        reason: 'RemoteClusterNotConnected',
        message: shorten(
          `${remoteClusterKind} ${remoteClusterName} is not connected${connected?.message ? `: ${connected.message}` : ''}`,
        ),
      };
    }
  }
  status.ready = state.connected;
  status.reason = state.reason;
  if (!state.connected) status.message = state.message;
  const plan: ConnectionPlan = { resources: [], state, providerConfigRef, status };
  if (usageOf !== undefined) plan.usageOf = usageOf;
  return plan;
}

import type { Settings } from '../input.js';
import type { ComposedNames } from '../names.js';
import { PROVIDER_KUBERNETES_API_VERSION } from './provider-config.js';

export const USAGE_API_VERSION = 'protection.crossplane.io/v1beta1';

/**
 * Build the Usage that keeps one Object's credentials until the Object is
 * gone, so deleting the XR cannot strand the Object on its finalizer with
 * "cannot get credentials secret".
 *
 * The Usage lives in the Object's namespace, because a namespaced Usage's
 * `by` must be there. Its `of` must be namespaced too: Crossplane's usage
 * webhook does not find a namespaced Usage of a cluster-scoped resource, so
 * such a Usage does not block the deletion, and a ClusterUsage cannot name a
 * namespaced `by`. So it protects:
 * - with the namespaced ClusterAuth API, the ClusterAuth itself;
 * - with the cluster-scoped API, the kubeconfig Secret, while a ClusterUsage
 *   keeps that ClusterAuth until the ClusterProviderConfig is gone.
 * replayDeletion re-issues the blocked delete as soon as the Object is gone,
 * instead of waiting for the garbage collector's back-off.
 */
export function buildObjectUsage(
  objectKey: string,
  settings: Settings,
  names: ComposedNames,
): Record<string, unknown> {
  const of =
    settings.clusterAuthAPIVersion === 'eks.aws.m.upbound.io/v1beta1'
      ? {
          apiVersion: settings.clusterAuthAPIVersion,
          kind: 'ClusterAuth',
          resourceRef: { name: names.clusterAuth, namespace: settings.connectionSecretNamespace },
        }
      : {
          apiVersion: 'v1',
          kind: 'Secret',
          resourceRef: {
            name: names.connectionSecret,
            namespace: settings.connectionSecretNamespace,
          },
        };
  return {
    apiVersion: USAGE_API_VERSION,
    kind: 'Usage',
    metadata: { name: names.objectUsage(objectKey), namespace: settings.objectNamespace },
    spec: {
      of,
      by: {
        apiVersion: PROVIDER_KUBERNETES_API_VERSION,
        kind: 'Object',
        resourceRef: { name: names.object(objectKey) },
      },
      replayDeletion: true,
    },
  };
}

/**
 * Build the ClusterUsage that keeps the cluster-scoped ClusterAuth, and so
 * the Secret it owns, until the ClusterProviderConfig reading that Secret is
 * gone. Both are cluster-scoped, which is what a ClusterUsage can bind.
 * The ClusterProviderConfig itself stays while any Object uses it, because
 * provider-kubernetes holds its finalizer until its ProviderConfigUsages are
 * gone.
 */
export function buildClusterAuthUsage(
  settings: Settings,
  names: ComposedNames,
): Record<string, unknown> {
  return {
    apiVersion: USAGE_API_VERSION,
    kind: 'ClusterUsage',
    metadata: { name: names.clusterAuthUsage },
    spec: {
      of: {
        apiVersion: settings.clusterAuthAPIVersion,
        kind: 'ClusterAuth',
        resourceRef: { name: names.clusterAuth },
      },
      by: {
        apiVersion: PROVIDER_KUBERNETES_API_VERSION,
        kind: 'ClusterProviderConfig',
        resourceRef: { name: names.providerConfig },
      },
      replayDeletion: true,
    },
  };
}

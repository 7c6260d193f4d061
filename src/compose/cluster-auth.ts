import type { ClusterAuthAPIVersion } from '../input.js';

/** The kubeconfig key of the Secret ClusterAuth writes; provider-kubernetes reads this key. */
export const KUBECONFIG_KEY = 'kubeconfig';

export const NAMESPACED_CLUSTER_AUTH_API: ClusterAuthAPIVersion = 'eks.aws.m.upbound.io/v1beta1';

export interface ClusterAuthOptions {
  apiVersion: ClusterAuthAPIVersion;
  name: string;
  clusterName: string;
  region: string;
  /** With the namespaced API: the ClusterAuth's namespace, where it also writes the Secret. */
  namespace: string;
  secretName: string;
  providerConfigRef: { name: string; kind: 'ProviderConfig' | 'ClusterProviderConfig' };
}

/**
 * Build the ClusterAuth that signs in to the remote EKS cluster and writes a
 * kubeconfig Secret. The cluster-scoped API needs the Secret's namespace and
 * a provider config name; the namespaced API writes the Secret to its own
 * namespace and needs the provider config's kind.
 */
export function buildClusterAuth(options: ClusterAuthOptions): Record<string, unknown> {
  const forProvider = { clusterName: options.clusterName, region: options.region };
  if (options.apiVersion === NAMESPACED_CLUSTER_AUTH_API) {
    return {
      apiVersion: options.apiVersion,
      kind: 'ClusterAuth',
      metadata: { name: options.name, namespace: options.namespace },
      spec: {
        forProvider,
        providerConfigRef: {
          kind: options.providerConfigRef.kind,
          name: options.providerConfigRef.name,
        },
        writeConnectionSecretToRef: { name: options.secretName },
      },
    };
  }
  return {
    apiVersion: options.apiVersion,
    kind: 'ClusterAuth',
    metadata: { name: options.name },
    spec: {
      forProvider,
      providerConfigRef: { name: options.providerConfigRef.name },
      writeConnectionSecretToRef: { name: options.secretName, namespace: options.namespace },
    },
  };
}

import type { Settings } from '../input.js';
import type { ComposedNames } from '../names.js';
import type { RemoteClusterSpec } from '../xr.js';

/** The kubeconfig key of the Secret ClusterAuth writes; provider-kubernetes reads this key. */
export const KUBECONFIG_KEY = 'kubeconfig';

/**
 * Build the ClusterAuth that signs in to the remote EKS cluster and writes a
 * kubeconfig Secret. The cluster-scoped API needs the Secret's namespace and a
 * provider config name; the namespaced API writes the Secret to its own
 * namespace and needs the provider config's kind.
 */
export function buildClusterAuth(
  cluster: RemoteClusterSpec['cluster'],
  settings: Settings,
  names: ComposedNames,
): Record<string, unknown> {
  const forProvider = { clusterName: cluster.name, region: cluster.region };
  const providerConfigName = cluster.providerConfigRef?.name ?? settings.awsProviderConfigRef.name;

  if (settings.clusterAuthAPIVersion === 'eks.aws.m.upbound.io/v1beta1') {
    return {
      apiVersion: settings.clusterAuthAPIVersion,
      kind: 'ClusterAuth',
      metadata: { name: names.clusterAuth, namespace: settings.connectionSecretNamespace },
      spec: {
        forProvider,
        providerConfigRef: {
          kind: cluster.providerConfigRef?.kind ?? settings.awsProviderConfigRef.kind,
          name: providerConfigName,
        },
        writeConnectionSecretToRef: { name: names.connectionSecret },
      },
    };
  }
  return {
    apiVersion: settings.clusterAuthAPIVersion,
    kind: 'ClusterAuth',
    metadata: { name: names.clusterAuth },
    spec: {
      forProvider,
      providerConfigRef: { name: providerConfigName },
      writeConnectionSecretToRef: {
        name: names.connectionSecret,
        namespace: settings.connectionSecretNamespace,
      },
    },
  };
}

import type { Settings } from '../input.js';
import type { ComposedNames } from '../names.js';
import { KUBECONFIG_KEY } from './cluster-auth.js';

export const PROVIDER_KUBERNETES_API_VERSION = 'kubernetes.m.crossplane.io/v1alpha1';

/**
 * Build the ClusterProviderConfig that gives provider-kubernetes the
 * kubeconfig ClusterAuth writes. The key must be `kubeconfig`: any other key
 * fails later with "currentContext not set in kubeconfig".
 */
export function buildClusterProviderConfig(
  settings: Settings,
  names: ComposedNames,
): Record<string, unknown> {
  return {
    apiVersion: PROVIDER_KUBERNETES_API_VERSION,
    kind: 'ClusterProviderConfig',
    metadata: { name: names.providerConfig },
    spec: {
      credentials: {
        source: 'Secret',
        secretRef: {
          namespace: settings.connectionSecretNamespace,
          name: names.connectionSecret,
          key: KUBECONFIG_KEY,
        },
      },
    },
  };
}

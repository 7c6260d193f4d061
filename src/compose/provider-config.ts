import { KUBECONFIG_KEY } from './cluster-auth.js';

export const PROVIDER_KUBERNETES_API_VERSION = 'kubernetes.m.crossplane.io/v1alpha1';

/** Reference to the provider-kubernetes config an Object uses. */
export interface ProviderConfigRef {
  kind: 'ClusterProviderConfig' | 'ProviderConfig';
  name: string;
}

/**
 * Build the provider-kubernetes config that reads the kubeconfig ClusterAuth
 * writes: a ClusterProviderConfig for a cluster-scoped XR, a ProviderConfig
 * in its own namespace for a namespaced one. The key must be `kubeconfig`:
 * any other key fails later with "currentContext not set in kubeconfig".
 */
export function buildProviderConfig(
  ref: ProviderConfigRef,
  secret: { namespace: string; name: string },
): Record<string, unknown> {
  const metadata: Record<string, string> = { name: ref.name };
  if (ref.kind === 'ProviderConfig') metadata.namespace = secret.namespace;
  return {
    apiVersion: PROVIDER_KUBERNETES_API_VERSION,
    kind: ref.kind,
    metadata,
    spec: {
      credentials: {
        source: 'Secret',
        secretRef: { namespace: secret.namespace, name: secret.name, key: KUBECONFIG_KEY },
      },
    },
  };
}

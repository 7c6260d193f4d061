import type { TenantObject } from '../objects.js';
import { PROVIDER_KUBERNETES_API_VERSION, type ProviderConfigRef } from './provider-config.js';

/**
 * Build the provider-kubernetes Object for one tenant object.
 *
 * providerConfigRef is always written in full: left out, provider-kubernetes
 * defaults it to the ClusterProviderConfig named "default", which would send
 * the manifest to whatever cluster that one points at.
 */
export function buildObject(
  object: TenantObject,
  name: string,
  namespace: string,
  providerConfigRef: ProviderConfigRef,
): Record<string, unknown> {
  const spec: Record<string, unknown> = {
    forProvider: { manifest: object.manifest },
    providerConfigRef: { kind: providerConfigRef.kind, name: providerConfigRef.name },
  };
  if (object.managementPolicies !== undefined) {
    spec.managementPolicies = object.managementPolicies;
  }
  if (object.readiness !== undefined) {
    spec.readiness = object.readiness;
  }
  return {
    apiVersion: PROVIDER_KUBERNETES_API_VERSION,
    kind: 'Object',
    metadata: { name, namespace },
    spec,
  };
}

/**
 * Composed resource keys: how Crossplane distinguishes one composed resource of an XR
 * from another across calls. They must stay stable, because a key that
 * disappears from desired state makes Crossplane delete that resource.
 */
export const CLUSTER_AUTH_KEY = 'cluster-auth';
export const PROVIDER_CONFIG_KEY = 'provider-config';
export const CLUSTER_AUTH_USAGE_KEY = 'cluster-auth-usage';

/** Key of the provider-kubernetes Object of one tenant object. */
export function objectResourceKey(objectKey: string): string {
  return `object-${objectKey}`;
}

/** Key of the Usage that keeps one Object's credentials until the Object is gone. */
export function usageResourceKey(objectKey: string): string {
  return `usage-${objectKey}`;
}

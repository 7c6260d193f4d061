export const USAGE_API_VERSION = 'protection.crossplane.io/v1beta1';

/** A resource a Usage names as `of` or `by`. */
export interface UsageTarget {
  apiVersion: string;
  kind: string;
  name: string;
  /** Set for namespaced resources. */
  namespace?: string;
}

/**
 * Build the Usage that blocks deleting `of` while `by` exists.
 *
 * Crossplane's Usage types cover fewer pairs than one would hope:
 * - a namespaced Usage's `by` must be in the Usage's namespace;
 * - a namespaced Usage of a cluster-scoped `of` labels it but its webhook
 *   never finds the Usage, so deletion is not blocked;
 * - a ClusterUsage names both without a namespace, so both must be
 *   cluster-scoped.
 * So a Usage is built when `by` is namespaced and `of` is namespaced (in any
 * namespace), a ClusterUsage when both are cluster-scoped, and no other pair
 * is accepted.
 *
 * replayDeletion re-issues the blocked delete as soon as `by` is gone,
 * instead of waiting for the garbage collector's back-off.
 */
export function buildUsage(
  name: string,
  of: UsageTarget,
  by: UsageTarget,
): Record<string, unknown> {
  const ofRef: Record<string, string> = { name: of.name };
  if (of.namespace !== undefined) ofRef.namespace = of.namespace;
  const spec = {
    of: { apiVersion: of.apiVersion, kind: of.kind, resourceRef: ofRef },
    by: { apiVersion: by.apiVersion, kind: by.kind, resourceRef: { name: by.name } },
    replayDeletion: true,
  };
  if (by.namespace !== undefined) {
    if (of.namespace === undefined) {
      throw new Error(`a namespaced Usage cannot protect cluster-scoped ${of.kind} ${of.name}`);
    }
    return {
      apiVersion: USAGE_API_VERSION,
      kind: 'Usage',
      metadata: { name, namespace: by.namespace },
      spec,
    };
  }
  if (of.namespace !== undefined) {
    throw new Error(
      `a ClusterUsage cannot protect namespaced ${of.kind} ${of.namespace}/${of.name}`,
    );
  }
  return { apiVersion: USAGE_API_VERSION, kind: 'ClusterUsage', metadata: { name }, spec };
}

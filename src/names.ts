import { createHash } from 'node:crypto';

/**
 * Maximum length of every name this function sets. Kubernetes allows 253 for
 * most kinds, but names of 63 or less also fit in label values, which tools
 * built on these resources rely on.
 */
export const MAX_NAME_LENGTH = 63;

const HASH_LENGTH = 8;

/** An RFC 1123 label: what Kubernetes allows as a namespace name. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** An RFC 1123 subdomain: what Kubernetes allows as most object names. */
export const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Short, stable hash used to keep shortened names unique. */
export function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, HASH_LENGTH);
}

/**
 * Join name parts with a separator and keep the result within
 * {@link MAX_NAME_LENGTH}.
 *
 * A name that fits is returned as is, so names stay readable. A longer one
 * keeps the start of the first part and the whole last part, with a hash of
 * the full name between them so that two long names that share a prefix
 * still differ.
 */
export function joinName(...parts: string[]): string {
  return joinWith('-', parts);
}

function joinWith(separator: string, parts: readonly string[]): string {
  const full = parts.join(separator);
  if (full.length <= MAX_NAME_LENGTH) {
    return full;
  }
  const hash = shortHash(full);
  const last = parts.length > 1 ? (parts[parts.length - 1] ?? '') : '';
  const tail = last.length > 0 && last.length <= 20 ? `${hash}${separator}${last}` : hash;
  const head = full.slice(0, MAX_NAME_LENGTH - tail.length - 1).replace(/[-.]+$/, '');
  return `${head}-${tail}`;
}

/** Turn free text (a kind, a namespace) into lowercase RFC 1123 label characters. */
export function toLabelText(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');
}

/** Names of everything composed for one XR, derived only from the XR's identity. */
export interface ComposedNames {
  clusterAuth: string;
  connectionSecret: string;
  providerConfig: string;
  clusterAuthUsage: string;
  object(key: string): string;
  objectUsage(key: string): string;
}

/**
 * Derive the names of composed resources from the XR name.
 *
 * NOTE: two XR kinds that both use this function can have XRs of one name,
 * and then compose cluster-scoped resources of one name. Crossplane refuses
 * to take over a resource another XR controls, so the second XR fails to
 * apply rather than sharing credentials, but its message is Crossplane's.
 *
 * Cluster-scoped XR names are unique per kind, so names built from them do
 * not collide between XRs. They are stable across calls, which matters
 * because the ClusterProviderConfig and the Secret are referenced by name.
 */
export function composedNames(xrName: string): ComposedNames {
  return {
    clusterAuth: joinName(xrName),
    connectionSecret: joinName(xrName, 'connection'),
    providerConfig: joinName(xrName),
    clusterAuthUsage: joinName(xrName, 'cluster-auth'),
    // A dot joins the XR name and the object key: keys are RFC 1123 labels
    // without dots, so "<xr>.<key>" splits one way only. With a dash, XR "a"
    // with key "b-c" and XR "a-b" with key "c" would both compose "a-b-c", and
    // key "cluster-auth" would take the name of the ClusterAuth's Usage.
    object: (key) => joinWith('.', [xrName, key]),
    objectUsage: (key) => joinWith('.', [xrName, key]),
  };
}

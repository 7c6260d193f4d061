import { FieldError, isObject, jsonType, objectRequired, requireString } from './errors.js';
import { DNS_LABEL, DNS_SUBDOMAIN } from './names.js';
import { parseObjects, type ParseOptions, type TenantObject } from './objects.js';

// EKS cluster names: letters, digits, hyphens and underscores, starting with a letter or digit.
const EKS_CLUSTER_NAME = /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/;
const AWS_REGION = /^[a-z]{2}(-[a-z]+)+-[0-9]+$/;

/** Identity of the XR, as the function reports and names things by it. */
export interface CompositeRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  uid?: string;
  deleting: boolean;
}

/** The remote EKS cluster an XR signs in to itself. */
export interface ClusterSpec {
  name: string;
  region: string;
  providerConfigRef?: { name: string; kind?: 'ProviderConfig' | 'ClusterProviderConfig' };
}

/**
 * A validated XR spec: either its own remote cluster (`cluster`), or, for a
 * namespaced XR, a shared remote cluster that the platform connects
 * (`remoteClusterRef`).
 */
export type XRSpec =
  | { cluster: ClusterSpec; remoteClusterRef?: undefined; objects: TenantObject[] }
  | { cluster?: undefined; remoteClusterRef: { name: string }; objects: TenantObject[] };

/** Read the XR's identity; the only errors are a missing apiVersion, kind or name, or an invalid name or namespace. */
export function parseCompositeRef(xr: unknown): { ref?: CompositeRef; errors: FieldError[] } {
  if (!isObject(xr)) {
    return {
      errors: [
        new FieldError(
          'composite',
          'Required value',
          'the request has no observed composite resource',
        ),
      ],
    };
  }
  const errors: FieldError[] = [];
  const metadata = isObject(xr.metadata) ? xr.metadata : {};
  for (const [path, value] of [
    ['apiVersion', xr.apiVersion],
    ['kind', xr.kind],
    ['metadata.name', metadata.name],
  ] as const) {
    if (typeof value !== 'string' || value === '') {
      errors.push(
        new FieldError(path, 'Required value', 'the composite resource must have one', value),
      );
    }
  }
  if (errors.length > 0) {
    return { errors };
  }

  // The API server accepts only such names. Composed resource names are
  // built from them, so anything else would make invalid names.
  const name = metadata.name as string;
  if (!DNS_SUBDOMAIN.test(name) || name.length > 253) {
    errors.push(
      new FieldError(
        'metadata.name',
        'Invalid value',
        'must be a lowercase RFC 1123 subdomain of at most 253 characters',
        name,
      ),
    );
  }

  const namespace = metadata.namespace;
  if (
    namespace !== undefined &&
    namespace !== '' &&
    (typeof namespace !== 'string' || !DNS_LABEL.test(namespace) || namespace.length > 63)
  ) {
    errors.push(
      new FieldError(
        'metadata.namespace',
        'Invalid value',
        'must be a lowercase RFC 1123 label of at most 63 characters',
        namespace,
      ),
    );
  }
  if (errors.length > 0) {
    return { errors };
  }

  const ref: CompositeRef = {
    apiVersion: xr.apiVersion as string,
    kind: xr.kind as string,
    name,
    deleting: typeof metadata.deletionTimestamp === 'string' && metadata.deletionTimestamp !== '',
  };
  if (typeof namespace === 'string' && namespace !== '') ref.namespace = namespace;
  if (typeof metadata.uid === 'string' && metadata.uid !== '') ref.uid = metadata.uid;
  return { ref, errors };
}

/**
 * Validate the XR's spec: the remote cluster and the tenant objects.
 *
 * Every problem is collected, with its field path and value, so one Fatal
 * result tells the tenant everything to fix at once.
 */
export function parseXRSpec(
  xr: Record<string, unknown>,
  options: ParseOptions,
): { spec?: XRSpec; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const spec = xr.spec;
  const needs = options.namespaced
    ? 'set spec.remoteClusterRef.name (a shared remote cluster) or spec.cluster.name and spec.cluster.region, and spec.objects'
    : 'set spec.cluster.name, spec.cluster.region and spec.objects';
  if (!isObject(spec)) {
    errors.push(objectRequired('spec', spec, needs));
    return { errors };
  }

  let cluster: ClusterSpec | undefined;
  let remoteClusterRef: { name: string } | undefined;
  if (options.namespaced && spec.remoteClusterRef !== undefined) {
    if (spec.cluster !== undefined) {
      errors.push(
        new FieldError(
          'spec.cluster',
          'Forbidden',
          'set either spec.cluster (a cluster of your own) or spec.remoteClusterRef (a shared one), not both',
        ),
      );
    }
    remoteClusterRef = parseRemoteClusterRef(spec.remoteClusterRef, errors);
  } else if (!options.namespaced && spec.remoteClusterRef !== undefined) {
    errors.push(
      new FieldError(
        'spec.remoteClusterRef',
        'Forbidden',
        'only namespaced XRs use a shared remote cluster; a cluster-scoped XR names its own with spec.cluster',
      ),
    );
  } else {
    cluster = parseCluster(spec.cluster, options, errors);
  }
  const objects = parseObjects(spec.objects, options, errors);
  if (errors.length > 0) {
    return { errors };
  }
  if (remoteClusterRef !== undefined) {
    return { spec: { remoteClusterRef, objects }, errors };
  }
  if (cluster !== undefined) {
    return { spec: { cluster, objects }, errors };
  }
  return { errors };
}

/**
 * Read a reference object with a required name. Returns undefined, with the
 * error recorded, when the value is not an object.
 */
function readReference(
  raw: unknown,
  path: string,
  fix: string,
  errors: FieldError[],
): { ref: Record<string, unknown>; name: string | undefined } | undefined {
  if (!isObject(raw)) {
    errors.push(
      new FieldError(
        path,
        'Invalid value',
        `must be an object with a name, not ${jsonType(raw)}`,
        raw,
      ),
    );
    return undefined;
  }
  return { ref: raw, name: requireString(raw.name, `${path}.name`, fix, errors) };
}

function parseRemoteClusterRef(raw: unknown, errors: FieldError[]): { name: string } | undefined {
  const path = 'spec.remoteClusterRef';
  const read = readReference(
    raw,
    path,
    'name the shared remote cluster, for example tfc-cluster12',
    errors,
  );
  if (read === undefined) return undefined;
  const name = read.name;
  if (name !== undefined && (!DNS_SUBDOMAIN.test(name) || name.length > 253)) {
    errors.push(
      new FieldError(
        `${path}.name`,
        'Invalid value',
        'must be the name of a remote cluster, a lowercase RFC 1123 subdomain',
        name,
      ),
    );
    return undefined;
  }
  for (const field of Object.keys(read.ref)) {
    if (field !== 'name') {
      errors.push(
        new FieldError(`${path}.${field}`, 'Forbidden', 'unknown field; the only field is name'),
      );
    }
  }
  return name === undefined ? undefined : { name };
}

function parseCluster(
  raw: unknown,
  options: ParseOptions,
  errors: FieldError[],
): ClusterSpec | undefined {
  if (!isObject(raw)) {
    const fix = options.namespaced
      ? 'name a shared remote cluster with spec.remoteClusterRef.name, or your own EKS cluster with spec.cluster.name and spec.cluster.region'
      : 'name the remote EKS cluster with spec.cluster.name and spec.cluster.region';
    errors.push(
      objectRequired(
        options.namespaced && raw === undefined ? 'spec.remoteClusterRef' : 'spec.cluster',
        raw,
        fix,
      ),
    );
    return undefined;
  }
  const start = errors.length;
  const name = requireString(
    raw.name,
    'spec.cluster.name',
    'set the EKS cluster name, for example tfc-cluster12',
    errors,
  );
  if (name !== undefined && !EKS_CLUSTER_NAME.test(name)) {
    errors.push(
      new FieldError(
        'spec.cluster.name',
        'Invalid value',
        'an EKS cluster name has 1 to 100 letters, digits, hyphens or underscores and starts with a letter or digit',
        name,
      ),
    );
  }
  const region = requireString(
    raw.region,
    'spec.cluster.region',
    'set the AWS region of the EKS cluster, for example eu-west-2',
    errors,
  );
  if (region !== undefined && !AWS_REGION.test(region)) {
    errors.push(
      new FieldError(
        'spec.cluster.region',
        'Invalid value',
        'must be an AWS region such as eu-west-2',
        region,
      ),
    );
  }
  let providerConfigRef: ClusterSpec['providerConfigRef'];
  if (raw.providerConfigRef !== undefined) {
    providerConfigRef = parseAWSProviderConfigRef(raw.providerConfigRef, errors);
    if (options.namespaced && providerConfigRef?.kind === 'ClusterProviderConfig') {
      // A tenant naming a cluster-wide AWS config would sign in with the platform's identity.
      errors.push(
        new FieldError(
          'spec.cluster.providerConfigRef.kind',
          'Forbidden',
          'a namespaced XR may only name an AWS ProviderConfig in its own namespace',
          providerConfigRef.kind,
        ),
      );
    }
  }
  for (const field of Object.keys(raw)) {
    if (!['name', 'region', 'providerConfigRef'].includes(field)) {
      errors.push(
        new FieldError(
          `spec.cluster.${field}`,
          'Forbidden',
          'unknown field; supported fields are name, region and providerConfigRef',
        ),
      );
    }
  }
  if (errors.length > start || name === undefined || region === undefined) {
    return undefined;
  }
  return providerConfigRef === undefined ? { name, region } : { name, region, providerConfigRef };
}

function parseAWSProviderConfigRef(
  raw: unknown,
  errors: FieldError[],
): ClusterSpec['providerConfigRef'] {
  const path = 'spec.cluster.providerConfigRef';
  const read = readReference(
    raw,
    path,
    'name the AWS provider config ClusterAuth signs in with',
    errors,
  );
  if (read === undefined) return undefined;
  const { ref, name } = read;
  if (
    ref.kind !== undefined &&
    ref.kind !== 'ProviderConfig' &&
    ref.kind !== 'ClusterProviderConfig'
  ) {
    errors.push(
      new FieldError(
        `${path}.kind`,
        'Unsupported value',
        'supported values: "ProviderConfig", "ClusterProviderConfig"',
        ref.kind,
      ),
    );
    return undefined;
  }
  if (name === undefined) return undefined;
  return ref.kind === undefined ? { name } : { name, kind: ref.kind };
}

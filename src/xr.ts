import { FieldError, isObject, jsonType } from './errors.js';
import { type FieldPath, parseFieldPath } from './fieldpath.js';
import { joinName, toLabelText } from './names.js';

/** Management policies provider-kubernetes accepts on an Object. */
export const MANAGEMENT_POLICIES = [
  '*',
  'Observe',
  'Create',
  'Update',
  'Delete',
  'LateInitialize',
] as const;

/** Readiness policies provider-kubernetes accepts on an Object. */
export const READINESS_POLICIES = [
  'SuccessfulCreate',
  'DeriveFromObject',
  'AllTrue',
  'DeriveFromCelQuery',
] as const;
export type ReadinessPolicy = (typeof READINESS_POLICIES)[number];

/** Options a tenant may set on one object; anything else is rejected. */
const OBJECT_OPTIONS = [
  'key',
  'manifest',
  'readOnly',
  'managementPolicies',
  'readiness',
  'statusFields',
];

/** Metadata the API server owns; a manifest that carries it was copied from a live object. */
const SERVER_OWNED_METADATA = [
  'managedFields',
  'resourceVersion',
  'uid',
  'creationTimestamp',
  'generation',
  'deletionTimestamp',
  'selfLink',
];

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const API_VERSION =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?v[0-9]+((alpha|beta)[0-9]+)?$/;
const KIND = /^[A-Z][A-Za-z0-9]*$/;
// EKS cluster names: letters, digits, hyphens and underscores, starting with a letter or digit.
const EKS_CLUSTER_NAME = /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/;
const AWS_REGION = /^[a-z]{2}(-[a-z]+)+-[0-9]+$/;
const STATUS_FIELD_NAME = /^[A-Za-z][A-Za-z0-9_]{0,62}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Identity of the XR, as the function reports and names things by it. */
export interface CompositeRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  uid?: string;
  deleting: boolean;
}

export interface StatusField {
  name: string;
  path: string;
  parsed: FieldPath;
}

/** One tenant object after validation. */
export interface TenantObject {
  /** Position in spec.objects, for error messages. */
  index: number;
  /** Stable identifier within the XR: explicit, or derived from the manifest. */
  key: string;
  manifest: Record<string, unknown>;
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  managementPolicies?: string[];
  readiness?: { policy: ReadinessPolicy; celQuery?: string };
  statusFields: StatusField[];
  /** Size of the manifest as JSON, set by the policy check. */
  manifestBytes?: number;
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

/** Options that change how the XR is validated. */
export interface ParseOptions {
  allowSecretDataInStatus: boolean;
  /** Namespaced XRs may name a shared remote cluster, and only namespace-local AWS provider configs. */
  namespaced: boolean;
}

/** Read the XR's identity; the only errors are a missing apiVersion, kind or name. */
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
  const ref: CompositeRef = {
    apiVersion: xr.apiVersion as string,
    kind: xr.kind as string,
    name: metadata.name as string,
    deleting: typeof metadata.deletionTimestamp === 'string' && metadata.deletionTimestamp !== '',
  };
  if (typeof metadata.namespace === 'string' && metadata.namespace !== '')
    ref.namespace = metadata.namespace;
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
    errors.push(new FieldError('spec', 'Required value', needs, spec));
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

function parseRemoteClusterRef(raw: unknown, errors: FieldError[]): { name: string } | undefined {
  const path = 'spec.remoteClusterRef';
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
  const name = requireString(
    raw.name,
    `${path}.name`,
    'name the shared remote cluster, for example tfc-cluster12',
    errors,
  );
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
  for (const field of Object.keys(raw)) {
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
    errors.push(
      new FieldError(
        'spec.cluster',
        'Required value',
        'name the remote EKS cluster with spec.cluster.name and spec.cluster.region',
        raw,
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
  const name = requireString(
    raw.name,
    `${path}.name`,
    'name the AWS provider config ClusterAuth signs in with',
    errors,
  );
  if (
    raw.kind !== undefined &&
    raw.kind !== 'ProviderConfig' &&
    raw.kind !== 'ClusterProviderConfig'
  ) {
    errors.push(
      new FieldError(
        `${path}.kind`,
        'Unsupported value',
        'supported values: "ProviderConfig", "ClusterProviderConfig"',
        raw.kind,
      ),
    );
    return undefined;
  }
  if (name === undefined) return undefined;
  return raw.kind === undefined ? { name } : { name, kind: raw.kind };
}

function parseObjects(raw: unknown, options: ParseOptions, errors: FieldError[]): TenantObject[] {
  if (raw === undefined || raw === null) {
    return [];
  }
  if (!Array.isArray(raw)) {
    errors.push(
      new FieldError(
        'spec.objects',
        'Invalid value',
        `must be a list of objects, not ${jsonType(raw)}`,
        raw,
      ),
    );
    return [];
  }
  const objects: TenantObject[] = [];
  raw.forEach((entry, index) => {
    const object = parseObject(entry, index, options, errors);
    if (object !== undefined) {
      objects.push(object);
    }
  });
  checkUnique(objects, errors);
  return objects;
}

function parseObject(
  raw: unknown,
  index: number,
  options: ParseOptions,
  errors: FieldError[],
): TenantObject | undefined {
  const path = `spec.objects[${index}]`;
  if (!isObject(raw)) {
    errors.push(
      new FieldError(
        path,
        'Invalid value',
        `must be an object with a manifest, not ${jsonType(raw)}`,
        raw,
      ),
    );
    return undefined;
  }
  const start = errors.length;
  for (const field of Object.keys(raw)) {
    if (!OBJECT_OPTIONS.includes(field)) {
      errors.push(
        new FieldError(
          `${path}.${field}`,
          'Forbidden',
          `unknown option; supported options are ${OBJECT_OPTIONS.join(', ')}`,
        ),
      );
    }
  }

  const manifest = parseManifest(raw.manifest, `${path}.manifest`, errors);
  const managementPolicies = parseManagementPolicies(raw, path, errors);
  const readiness = parseReadiness(raw.readiness, `${path}.readiness`, errors);
  const statusFields = parseStatusFields(
    raw.statusFields,
    `${path}.statusFields`,
    manifest,
    options,
    errors,
  );

  let key: string | undefined;
  if (raw.key !== undefined) {
    if (typeof raw.key !== 'string' || !DNS_LABEL.test(raw.key) || raw.key.length > 63) {
      errors.push(
        new FieldError(
          `${path}.key`,
          'Invalid value',
          'a key is a lowercase RFC 1123 label of at most 63 characters, such as web-config',
          raw.key,
        ),
      );
    } else {
      key = raw.key;
    }
  } else if (manifest !== undefined) {
    key = defaultObjectKey(manifest);
  }

  if (errors.length > start || manifest === undefined || key === undefined) {
    return undefined;
  }
  const object: TenantObject = {
    index,
    key,
    manifest: manifest.manifest,
    apiVersion: manifest.apiVersion,
    kind: manifest.kind,
    name: manifest.name,
    statusFields,
  };
  if (manifest.namespace !== undefined) object.namespace = manifest.namespace;
  if (managementPolicies !== undefined) object.managementPolicies = managementPolicies;
  if (readiness !== undefined) object.readiness = readiness;
  return object;
}

interface ParsedManifest {
  manifest: Record<string, unknown>;
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

function parseManifest(
  raw: unknown,
  path: string,
  errors: FieldError[],
): ParsedManifest | undefined {
  if (!isObject(raw)) {
    errors.push(
      new FieldError(
        path,
        'Required value',
        'set the Kubernetes manifest to create on the remote cluster',
        raw,
      ),
    );
    return undefined;
  }
  const start = errors.length;
  const apiVersion = requireString(
    raw.apiVersion,
    `${path}.apiVersion`,
    'set the manifest apiVersion, for example v1 or apps/v1',
    errors,
  );
  if (apiVersion !== undefined && !API_VERSION.test(apiVersion)) {
    errors.push(
      new FieldError(
        `${path}.apiVersion`,
        'Invalid value',
        'must be "<group>/<version>" or "<version>", for example apps/v1 or v1',
        apiVersion,
      ),
    );
  }
  const kind = requireString(
    raw.kind,
    `${path}.kind`,
    'set the manifest kind, for example ConfigMap',
    errors,
  );
  if (kind !== undefined && !KIND.test(kind)) {
    errors.push(
      new FieldError(
        `${path}.kind`,
        'Invalid value',
        'a kind is a CamelCase name such as ConfigMap',
        kind,
      ),
    );
  }
  if (raw.status !== undefined) {
    errors.push(
      new FieldError(
        `${path}.status`,
        'Forbidden',
        'remove status from the manifest; the remote cluster sets it',
      ),
    );
  }

  const metadata = raw.metadata;
  let name: string | undefined;
  let namespace: string | undefined;
  if (!isObject(metadata)) {
    errors.push(
      new FieldError(
        `${path}.metadata.name`,
        'Required value',
        'set the name of the remote object',
      ),
    );
  } else {
    name = requireString(
      metadata.name,
      `${path}.metadata.name`,
      'set the name of the remote object',
      errors,
    );
    if (name !== undefined && (!DNS_SUBDOMAIN.test(name) || name.length > 253)) {
      errors.push(
        new FieldError(
          `${path}.metadata.name`,
          'Invalid value',
          'must be a lowercase RFC 1123 subdomain such as my-config',
          name,
        ),
      );
    }
    if (metadata.namespace !== undefined) {
      if (
        typeof metadata.namespace !== 'string' ||
        !DNS_LABEL.test(metadata.namespace) ||
        metadata.namespace.length > 63
      ) {
        errors.push(
          new FieldError(
            `${path}.metadata.namespace`,
            'Invalid value',
            'must be a lowercase RFC 1123 label such as team-a',
            metadata.namespace,
          ),
        );
      } else {
        namespace = metadata.namespace;
      }
    }
    for (const field of SERVER_OWNED_METADATA) {
      if (metadata[field] !== undefined) {
        errors.push(
          new FieldError(
            `${path}.metadata.${field}`,
            'Forbidden',
            'remove it; the API server sets this field, so the manifest looks copied from a live object',
          ),
        );
      }
    }
  }
  if (apiVersion === 'v1' && kind === 'Secret') {
    checkSecretData(raw.data, `${path}.data`, errors);
  }
  if (
    errors.length > start ||
    apiVersion === undefined ||
    kind === undefined ||
    name === undefined
  ) {
    return undefined;
  }
  const parsed: ParsedManifest = { manifest: raw, apiVersion, kind, name };
  if (namespace !== undefined) parsed.namespace = namespace;
  return parsed;
}

/** Secret data must be base64: the API server rejects anything else, after the Object exists. */
function checkSecretData(data: unknown, path: string, errors: FieldError[]): void {
  if (data === undefined) return;
  if (!isObject(data)) {
    errors.push(
      new FieldError(
        path,
        'Invalid value',
        `must be a map of base64 strings, not ${jsonType(data)}`,
      ),
    );
    return;
  }
  for (const [key, value] of Object.entries(data)) {
    // The value itself is never quoted: it is secret.
    if (typeof value !== 'string' || !BASE64.test(value)) {
      errors.push(
        new FieldError(
          `${path}.${key}`,
          'Invalid value',
          'must be base64-encoded; put plain text under stringData instead',
        ),
      );
    }
  }
}

function parseManagementPolicies(
  raw: Record<string, unknown>,
  path: string,
  errors: FieldError[],
): string[] | undefined {
  if (raw.readOnly !== undefined && typeof raw.readOnly !== 'boolean') {
    errors.push(
      new FieldError(`${path}.readOnly`, 'Invalid value', 'must be true or false', raw.readOnly),
    );
    return undefined;
  }
  let policies: string[] | undefined;
  if (raw.managementPolicies !== undefined) {
    const value = raw.managementPolicies;
    if (!Array.isArray(value) || value.length === 0) {
      errors.push(
        new FieldError(
          `${path}.managementPolicies`,
          'Invalid value',
          'must be a non-empty list such as ["Observe"]',
          value,
        ),
      );
      return undefined;
    }
    const valid = value.every((p, i) => {
      if (typeof p === 'string' && (MANAGEMENT_POLICIES as readonly string[]).includes(p))
        return true;
      errors.push(
        new FieldError(
          `${path}.managementPolicies[${i}]`,
          'Unsupported value',
          `supported values: ${MANAGEMENT_POLICIES.join(', ')}`,
          p,
        ),
      );
      return false;
    });
    if (!valid) return undefined;
    policies = value as string[];
  }
  if (raw.readOnly === true) {
    if (policies !== undefined && !(policies.length === 1 && policies[0] === 'Observe')) {
      errors.push(
        new FieldError(
          `${path}.managementPolicies`,
          'Invalid value',
          'readOnly: true means ["Observe"]; remove managementPolicies or readOnly',
          policies,
        ),
      );
      return undefined;
    }
    return ['Observe'];
  }
  return policies;
}

function parseReadiness(
  raw: unknown,
  path: string,
  errors: FieldError[],
): TenantObject['readiness'] {
  if (raw === undefined) return undefined;
  if (!isObject(raw)) {
    errors.push(
      new FieldError(
        path,
        'Invalid value',
        `must be an object with a policy, not ${jsonType(raw)}`,
        raw,
      ),
    );
    return undefined;
  }
  const start = errors.length;
  for (const field of Object.keys(raw)) {
    if (field !== 'policy' && field !== 'celQuery') {
      errors.push(
        new FieldError(
          `${path}.${field}`,
          'Forbidden',
          'unknown field; supported fields are policy and celQuery',
        ),
      );
    }
  }
  const policy = raw.policy;
  if (typeof policy !== 'string' || !(READINESS_POLICIES as readonly string[]).includes(policy)) {
    errors.push(
      new FieldError(
        `${path}.policy`,
        'Unsupported value',
        `supported values: ${READINESS_POLICIES.join(', ')}`,
        policy,
      ),
    );
    return undefined;
  }
  const celQuery = raw.celQuery;
  if (policy === 'DeriveFromCelQuery') {
    if (typeof celQuery !== 'string' || celQuery.trim() === '') {
      errors.push(
        new FieldError(
          `${path}.celQuery`,
          'Required value',
          'DeriveFromCelQuery needs a CEL expression over the remote object, such as object.status.readyReplicas == object.spec.replicas',
        ),
      );
    }
  } else if (celQuery !== undefined) {
    errors.push(
      new FieldError(
        `${path}.celQuery`,
        'Forbidden',
        'celQuery is only used with policy DeriveFromCelQuery',
      ),
    );
  }
  if (errors.length > start) return undefined;
  return policy === 'DeriveFromCelQuery'
    ? { policy, celQuery: celQuery as string }
    : { policy: policy as ReadinessPolicy };
}

function parseStatusFields(
  raw: unknown,
  path: string,
  manifest: ParsedManifest | undefined,
  options: ParseOptions,
  errors: FieldError[],
): StatusField[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) {
    errors.push(
      new FieldError(
        path,
        'Invalid value',
        `must be a list of {name, path}, not ${jsonType(raw)}`,
        raw,
      ),
    );
    return [];
  }
  const fields: StatusField[] = [];
  const seen = new Map<string, number>();
  raw.forEach((entry, i) => {
    const entryPath = `${path}[${i}]`;
    if (!isObject(entry)) {
      errors.push(
        new FieldError(entryPath, 'Invalid value', 'must be an object with name and path', entry),
      );
      return;
    }
    const name = entry.name;
    if (typeof name !== 'string' || !STATUS_FIELD_NAME.test(name)) {
      errors.push(
        new FieldError(
          `${entryPath}.name`,
          'Invalid value',
          'a status field name is an identifier such as loadBalancerHost',
          name,
        ),
      );
      return;
    }
    const earlier = seen.get(name);
    if (earlier !== undefined) {
      errors.push(
        new FieldError(
          `${entryPath}.name`,
          'Duplicate value',
          `${path}[${earlier}] has the same name`,
          name,
        ),
      );
      return;
    }
    seen.set(name, i);
    if (typeof entry.path !== 'string') {
      errors.push(
        new FieldError(
          `${entryPath}.path`,
          'Required value',
          'set a field path such as status.loadBalancer.ingress[0].hostname',
          entry.path,
        ),
      );
      return;
    }
    let parsed: FieldPath;
    try {
      parsed = parseFieldPath(entry.path);
    } catch (error) {
      errors.push(
        new FieldError(
          `${entryPath}.path`,
          'Invalid value',
          `not a field path: ${(error as Error).message}`,
          entry.path,
        ),
      );
      return;
    }
    if (
      manifest !== undefined &&
      isSecret(manifest) &&
      selectsSecretData(parsed) &&
      !options.allowSecretDataInStatus
    ) {
      errors.push(
        new FieldError(
          `${entryPath}.path`,
          'Forbidden',
          'copying Secret data into the XR status is disabled; the platform can allow it with status.allowSecretData in the function input',
          entry.path,
        ),
      );
      return;
    }
    fields.push({ name, path: entry.path, parsed });
  });
  return fields;
}

function isSecret(manifest: ParsedManifest): boolean {
  return manifest.apiVersion === 'v1' && manifest.kind === 'Secret';
}

/** Whether a path reaches into a Secret's data, including selecting all of it. */
function selectsSecretData(path: FieldPath): boolean {
  const first = path[0];
  return first === 'data' || first === 'stringData';
}

/**
 * A key derived from the manifest, so tenants need not write one: kind,
 * namespace and name. Stable when objects are reordered.
 */
export function defaultObjectKey(manifest: {
  kind: string;
  name: string;
  namespace?: string;
}): string {
  const parts = [manifest.kind, manifest.namespace ?? '', manifest.name]
    .map(toLabelText)
    .filter((p) => p !== '');
  return joinName(...parts);
}

/**
 * Reject two objects with one key (one composed resource would silently
 * replace the other) and two objects for one remote object (two Objects
 * would fight over it).
 */
function checkUnique(objects: readonly TenantObject[], errors: FieldError[]): void {
  const byKey = new Map<string, TenantObject>();
  const byRemote = new Map<string, TenantObject>();
  for (const object of objects) {
    const earlier = byKey.get(object.key);
    if (earlier !== undefined) {
      errors.push(
        new FieldError(
          `spec.objects[${object.index}].key`,
          'Duplicate value',
          `spec.objects[${earlier.index}] has the same key; give each object a unique key`,
          object.key,
        ),
      );
    } else {
      byKey.set(object.key, object);
    }
    const group = object.apiVersion.includes('/') ? object.apiVersion.split('/')[0] : '';
    const remote = `${group}/${object.kind}/${object.namespace ?? ''}/${object.name}`;
    const sameRemote = byRemote.get(remote);
    if (sameRemote !== undefined) {
      errors.push(
        new FieldError(
          `spec.objects[${object.index}].manifest`,
          'Duplicate value',
          `spec.objects[${sameRemote.index}] manages the same remote object; list each remote object once`,
          `${object.kind} ${object.namespace ? `${object.namespace}/` : ''}${object.name}`,
        ),
      );
    } else {
      byRemote.set(remote, object);
    }
  }
}

function requireString(
  value: unknown,
  path: string,
  fix: string,
  errors: FieldError[],
): string | undefined {
  if (typeof value === 'string' && value !== '') {
    return value;
  }
  if (value === undefined || value === '') {
    errors.push(new FieldError(path, 'Required value', fix));
  } else {
    errors.push(
      new FieldError(
        path,
        'Invalid value',
        `must be a string, not ${jsonType(value)} (${fix})`,
        value,
      ),
    );
  }
  return undefined;
}

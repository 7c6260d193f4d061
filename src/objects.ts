import { FieldError, isObject, jsonType, objectRequired, requireString } from './errors.js';
import { type FieldPath, parseFieldPath } from './fieldpath.js';
import { DNS_LABEL, DNS_SUBDOMAIN, joinName, toLabelText } from './names.js';

/**
 * Validation of the tenant objects an XR lists: each manifest, the
 * provider-kubernetes options a tenant may set on it, and the fields it
 * copies into the XR's status.
 */

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

const API_VERSION =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?v[0-9]+((alpha|beta)[0-9]+)?$/;
const KIND = /^[A-Z][A-Za-z0-9]*$/;
const STATUS_FIELD_NAME = /^[A-Za-z][A-Za-z0-9_]{0,62}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Options that change how the XR is validated. */
export interface ParseOptions {
  allowSecretDataInStatus: boolean;
  /** Namespaced XRs may name a shared remote cluster, and only namespace-local AWS provider configs. */
  namespaced: boolean;
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

export function parseObjects(
  raw: unknown,
  options: ParseOptions,
  errors: FieldError[],
): TenantObject[] {
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
      objectRequired(path, raw, 'set the Kubernetes manifest to create on the remote cluster'),
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
      metadata === undefined
        ? new FieldError(
            `${path}.metadata.name`,
            'Required value',
            'set the name of the remote object',
          )
        : objectRequired(`${path}.metadata`, metadata, 'set metadata.name of the remote object'),
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
      !selectsSecretMetadataOnly(parsed) &&
      !options.allowSecretDataInStatus
    ) {
      errors.push(
        new FieldError(
          `${entryPath}.path`,
          'Forbidden',
          'copying Secret data into the XR status is disabled, so a Secret allows only type, immutable and metadata name, namespace, uid, resourceVersion, creationTimestamp, generation and labels; the platform can allow the rest with status.allowSecretData in the function input',
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

/** Top-level fields of a Secret that never carry its data. */
const SAFE_SECRET_FIELDS = new Set(['apiVersion', 'kind', 'type', 'immutable']);

/**
 * Metadata fields of a Secret that never carry its data. Annotations are left
 * out: kubectl's last-applied-configuration annotation contains the whole
 * Secret, data included.
 */
const SAFE_SECRET_METADATA = new Set([
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'creationTimestamp',
  'generation',
  'labels',
]);

/**
 * Check that a path into a Secret stays clear of its data. An allow list, not a
 * deny list of data and stringData, because data also hides in annotations,
 * managedFields and any parent of those.
 */
function selectsSecretMetadataOnly(path: FieldPath): boolean {
  const [first, second] = path;
  if (typeof first === 'string' && SAFE_SECRET_FIELDS.has(first)) return true;
  return first === 'metadata' && typeof second === 'string' && SAFE_SECRET_METADATA.has(second);
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
 * Reject two objects with one key, because one composed resource would
 * silently replace the other, and two objects for one remote object.
 */
function checkUnique(objects: readonly TenantObject[], errors: FieldError[]): void {
  const byKey = new Map<string, TenantObject>();
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
  }
  errors.push(...checkRemoteObjectsUnique(objects));
}

/**
 * Reject two objects for one remote object. The policy runs it again after
 * it fills in default namespaces, which can make two objects the same.
 */
export function checkRemoteObjectsUnique(objects: readonly TenantObject[]): FieldError[] {
  const errors: FieldError[] = [];
  const byRemote = new Map<string, TenantObject>();
  for (const object of objects) {
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
  return errors;
}

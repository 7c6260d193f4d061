import type { ErrorObject, ValidateFunction } from 'ajv';
import { FieldError, isObject } from './errors.js';
import { validate as generatedValidate } from './input-validator.js';
import { validatePolicy } from './policy.js';

/** API group and version of the function's input, as a Composition step writes it. */
export const INPUT_API_VERSION = 'remoteeks.fn.crossplane.io/v1alpha1';
export const INPUT_KIND = 'Input';

/** The two ClusterAuth APIs of provider-aws-eks. */
export const CLUSTER_AUTH_API_VERSIONS = [
  'eks.aws.upbound.io/v1beta1',
  'eks.aws.m.upbound.io/v1beta1',
] as const;
export type ClusterAuthAPIVersion = (typeof CLUSTER_AUTH_API_VERSIONS)[number];

/**
 * The function's input: platform settings a Composition step sets. Every
 * field is optional and has a default, so a step without input works.
 */
export interface Input {
  apiVersion: string;
  kind: string;
  metadata?: Record<string, unknown>;
  clusterAuth?: {
    /** ClusterAuth API to compose. Default eks.aws.upbound.io/v1beta1 (cluster-scoped). */
    apiVersion?: ClusterAuthAPIVersion;
    /** The AWS provider config ClusterAuth signs in with, unless the XR names one. */
    providerConfigRef?: {
      name: string;
      /** Only for eks.aws.m.upbound.io: ProviderConfig or ClusterProviderConfig of aws.m.upbound.io. */
      kind?: 'ProviderConfig' | 'ClusterProviderConfig';
    };
  };
  connectionSecret?: {
    /**
     * Namespace of the kubeconfig Secret. With eks.aws.m.upbound.io the
     * ClusterAuth itself lives here, because it writes its Secret to its own
     * namespace.
     */
    namespace?: string;
  };
  objects?: {
    /** Control-plane namespace of the provider-kubernetes Objects and their Usages. */
    namespace?: string;
    /**
     * Config kind the Objects of a cluster-scoped XR use. ClusterProviderConfig
     * (the default) can be shared with tenants; ProviderConfig puts the
     * ClusterAuth, the Secret and a namespaced ProviderConfig beside the
     * Objects, where Usages can hold all of them until the Objects are gone.
     */
    providerConfigKind?: 'ClusterProviderConfig' | 'ProviderConfig';
  };
  status?: {
    /** Copy Secret data selected by statusFields into the XR's status. Default false. */
    allowSecretData?: boolean;
  };
  /** Rules for what tenants may request on the remote cluster. */
  policy?: PolicyInput;
  /**
   * The platform's cluster-scoped XR kind that owns a shared remote cluster's
   * connection, which namespaced XRs name with spec.remoteClusterRef.
   */
  remoteClusterAPI?: { apiVersion: string; kind: string };
}

/** The policy part of the input, as the platform writes it. */
export interface PolicyInput {
  /** Field path of a cluster-scoped XR holding the tenant name. Default metadata.name. Namespaced XRs always use their namespace. */
  tenantFieldPath?: string;
  remoteNamespaces?: {
    /** Patterns of allowed remote namespaces; `*` matches any characters, {{tenant}} and {{ <field path> }} expand. */
    allowed?: string[];
    /** More allowed patterns for named tenants. */
    perTenant?: { tenant: string; namespaces: string[] }[];
    /** Namespace given to namespaced manifests that set none; without it they are rejected. */
    default?: string;
    /** Patterns of namespaces no tenant may use, whatever else allows them. Default kube-* and default. */
    denied?: string[];
  };
  kinds?: {
    /** Allowed kinds as Kind.group (Kind alone for the core group); `*` wildcards. */
    allowed?: string[];
    /** Denied kinds; a denial wins over an allowance. */
    denied?: string[];
    /** Cluster-scoped kinds tenants may create; every other cluster-scoped kind is denied. */
    clusterScoped?: string[];
  };
  limits?: {
    maxObjects?: number;
    maxManifestBytes?: number;
    maxManifestDepth?: number;
    maxResponseBytes?: number;
  };
  /** Shared remote clusters and the tenants allowed to use each. Namespaced XRs may use none unless listed. */
  remoteClusters?: { name: string; tenants: string[] }[];
}

/** Platform settings with every default applied. */
export interface Settings {
  clusterAuthAPIVersion: ClusterAuthAPIVersion;
  awsProviderConfigRef: { name: string; kind: 'ProviderConfig' | 'ClusterProviderConfig' };
  connectionSecretNamespace: string;
  objectNamespace: string;
  objectProviderConfigKind: 'ClusterProviderConfig' | 'ProviderConfig';
  allowSecretDataInStatus: boolean;
  policy: Policy;
  remoteClusterAPI: { apiVersion: string; kind: string };
}

/** The policy with every default applied. */
export interface Policy {
  tenantFieldPath: string;
  /** Undefined means the default for the XR's scope: any namespace for cluster-scoped XRs, the tenant's own for namespaced ones. */
  allowedNamespaces?: string[];
  perTenantNamespaces: { tenant: string; namespaces: string[] }[];
  deniedNamespaces: string[];
  defaultNamespace?: string;
  allowedKinds: string[];
  deniedKinds: string[];
  clusterScopedKinds: string[];
  limits: {
    maxObjects: number;
    maxManifestBytes: number;
    maxManifestDepth: number;
    maxResponseBytes: number;
  };
  remoteClusters: { name: string; tenants: string[] }[];
}

/**
 * Kinds tenants may create unless the platform sets others: namespaced
 * built-in kinds. Custom kinds are left out because the function cannot know
 * their scope, and the API server ignores the namespace of a cluster-scoped
 * object.
 */
export const DEFAULT_ALLOWED_KINDS = [
  'ConfigMap',
  'Secret',
  'Service',
  'ServiceAccount',
  'PersistentVolumeClaim',
  'Deployment.apps',
  'StatefulSet.apps',
  'DaemonSet.apps',
  'Job.batch',
  'CronJob.batch',
  'Role.rbac.authorization.k8s.io',
  'RoleBinding.rbac.authorization.k8s.io',
  'Ingress.networking.k8s.io',
  'NetworkPolicy.networking.k8s.io',
  'HorizontalPodAutoscaler.autoscaling',
  'PodDisruptionBudget.policy',
];

/**
 * Remote namespaces denied unless the platform sets others: the cluster's
 * own, where a ConfigMap such as kube-system/aws-auth grants cluster-admin.
 */
export const DEFAULT_DENIED_NAMESPACES = ['kube-*', 'default'];

/** Default limits. The response limit leaves room under Crossplane's 4 MiB gRPC receive limit. */
export const DEFAULT_LIMITS: Policy['limits'] = {
  maxObjects: 500,
  maxManifestBytes: 256 * 1024,
  // NOTE: over gRPC the SDK 0.7.0 decoder already rejects a manifest in
  // spec.objects deeper than 28 levels, so a limit above 28 never applies.
  maxManifestDepth: 20,
  maxResponseBytes: 3.5 * 1024 * 1024,
};

export const DEFAULT_SETTINGS: Settings = {
  clusterAuthAPIVersion: 'eks.aws.upbound.io/v1beta1',
  awsProviderConfigRef: { name: 'default', kind: 'ProviderConfig' },
  connectionSecretNamespace: 'crossplane-system',
  objectNamespace: 'crossplane-system',
  objectProviderConfigKind: 'ClusterProviderConfig',
  allowSecretDataInStatus: false,
  policy: {
    tenantFieldPath: 'metadata.name',
    perTenantNamespaces: [],
    deniedNamespaces: DEFAULT_DENIED_NAMESPACES,
    allowedKinds: DEFAULT_ALLOWED_KINDS,
    deniedKinds: [],
    clusterScopedKinds: [],
    limits: DEFAULT_LIMITS,
    remoteClusters: [],
  },
  remoteClusterAPI: { apiVersion: 'remote.example.org/v1alpha1', kind: 'RemoteCluster' },
};

// The validator that ajv compiles from INPUT_SCHEMA (input-schema.ts),
// generated ahead of time because importing ajv and compiling the schema took
// about 100 ms of the server's startup.
const validateInput = generatedValidate as unknown as ValidateFunction<Input>;

/**
 * Validate the function input and apply defaults.
 *
 * Returns field errors, with paths under `input`, instead of throwing, so the
 * caller can turn them into one Fatal result.
 */
export function parseInput(raw: unknown): { settings: Settings; errors: FieldError[] } {
  if (raw === undefined || raw === null || (isObject(raw) && Object.keys(raw).length === 0)) {
    return { settings: DEFAULT_SETTINGS, errors: [] };
  }
  if (!validateInput(raw)) {
    return {
      settings: DEFAULT_SETTINGS,
      errors: (validateInput.errors ?? []).map((e) => toFieldError(e, raw)),
    };
  }
  const errors: FieldError[] = [];
  if (raw.apiVersion !== INPUT_API_VERSION || raw.kind !== INPUT_KIND) {
    errors.push(
      new FieldError(
        'input',
        'Invalid value',
        `this function takes apiVersion ${INPUT_API_VERSION}, kind ${INPUT_KIND}`,
        `${raw.apiVersion}/${raw.kind}`,
      ),
    );
  }
  const settings: Settings = {
    clusterAuthAPIVersion: raw.clusterAuth?.apiVersion ?? DEFAULT_SETTINGS.clusterAuthAPIVersion,
    awsProviderConfigRef: {
      name: raw.clusterAuth?.providerConfigRef?.name ?? DEFAULT_SETTINGS.awsProviderConfigRef.name,
      kind: raw.clusterAuth?.providerConfigRef?.kind ?? DEFAULT_SETTINGS.awsProviderConfigRef.kind,
    },
    connectionSecretNamespace:
      raw.connectionSecret?.namespace ?? DEFAULT_SETTINGS.connectionSecretNamespace,
    objectNamespace: raw.objects?.namespace ?? DEFAULT_SETTINGS.objectNamespace,
    objectProviderConfigKind:
      raw.objects?.providerConfigKind ?? DEFAULT_SETTINGS.objectProviderConfigKind,
    allowSecretDataInStatus:
      raw.status?.allowSecretData ?? DEFAULT_SETTINGS.allowSecretDataInStatus,
    policy: resolvePolicy(raw.policy),
    remoteClusterAPI: raw.remoteClusterAPI ?? DEFAULT_SETTINGS.remoteClusterAPI,
  };
  errors.push(...validatePolicy(settings.policy));
  return { settings, errors };
}

function resolvePolicy(raw: PolicyInput | undefined): Policy {
  const defaults = DEFAULT_SETTINGS.policy;
  const policy: Policy = {
    tenantFieldPath: raw?.tenantFieldPath ?? defaults.tenantFieldPath,
    perTenantNamespaces: raw?.remoteNamespaces?.perTenant ?? [],
    deniedNamespaces: raw?.remoteNamespaces?.denied ?? defaults.deniedNamespaces,
    allowedKinds: raw?.kinds?.allowed ?? defaults.allowedKinds,
    deniedKinds: raw?.kinds?.denied ?? [],
    clusterScopedKinds: raw?.kinds?.clusterScoped ?? [],
    limits: { ...DEFAULT_LIMITS, ...withoutUndefined(raw?.limits ?? {}) },
    remoteClusters: raw?.remoteClusters ?? [],
  };
  if (raw?.remoteNamespaces?.allowed) policy.allowedNamespaces = raw.remoteNamespaces.allowed;
  if (raw?.remoteNamespaces?.default) policy.defaultNamespace = raw.remoteNamespaces.default;
  return policy;
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(value).filter(([, v]) => v !== undefined && v !== null),
  ) as Partial<T>;
}

/** Turn one ajv error into a field error with a Kubernetes-style path under `input`. */
function toFieldError(error: ErrorObject, raw: unknown): FieldError {
  const segments = error.instancePath.split('/').filter((s) => s !== '');
  const value = segments.reduce<unknown>(
    (current, segment) =>
      isObject(current) || Array.isArray(current)
        ? (current as Record<string, unknown>)[segment]
        : undefined,
    raw,
  );
  let path = ['input', ...segments].join('.');
  switch (error.keyword) {
    case 'required':
      return new FieldError(
        `${path}.${String(error.params.missingProperty)}`,
        'Required value',
        'set this field',
      );
    case 'additionalProperties':
      path = `${path}.${String(error.params.additionalProperty)}`;
      return new FieldError(
        path,
        'Forbidden',
        'unknown field; check its spelling against the input CRD',
      );
    case 'enum':
      return new FieldError(
        path,
        'Unsupported value',
        `supported values: ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
        value,
      );
    case 'pattern':
      return new FieldError(
        path,
        'Invalid value',
        'must be a lowercase RFC 1123 label such as crossplane-system',
        value,
      );
    case 'type':
      return new FieldError(
        path,
        'Invalid value',
        `must be of type ${String(error.params.type)}`,
        value,
      );
    default:
      return new FieldError(path, 'Invalid value', error.message ?? 'invalid', value);
  }
}

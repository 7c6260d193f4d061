import { Ajv, type ErrorObject, type JSONSchemaType } from 'ajv';
import { FieldError, isObject } from './errors.js';

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
    /** Which ClusterAuth API to compose. Default eks.aws.upbound.io/v1beta1 (cluster-scoped). */
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
  };
  status?: {
    /** Copy Secret data selected by statusFields into the XR's status. Default false. */
    allowSecretData?: boolean;
  };
}

/** Platform settings with every default applied. */
export interface Settings {
  clusterAuthAPIVersion: ClusterAuthAPIVersion;
  awsProviderConfigRef: { name: string; kind: 'ProviderConfig' | 'ClusterProviderConfig' };
  connectionSecretNamespace: string;
  objectNamespace: string;
  allowSecretDataInStatus: boolean;
}

export const DEFAULT_SETTINGS: Settings = {
  clusterAuthAPIVersion: 'eks.aws.upbound.io/v1beta1',
  awsProviderConfigRef: { name: 'default', kind: 'ProviderConfig' },
  connectionSecretNamespace: 'crossplane-system',
  objectNamespace: 'crossplane-system',
  allowSecretDataInStatus: false,
};

const NAMESPACE_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';

const namespaceField = {
  type: 'string',
  nullable: true,
  pattern: NAMESPACE_PATTERN,
  maxLength: 63,
  description: 'A Kubernetes namespace name (RFC 1123 label).',
} as const;

/**
 * OpenAPI v3 schema of {@link Input}. It is the single source of the input
 * CRD in package/input/, and `JSONSchemaType<Input>` makes the compiler reject
 * any drift between this schema and the TypeScript type.
 */
export const INPUT_SCHEMA: JSONSchemaType<Input> = {
  type: 'object',
  description:
    'Platform settings of function-remote-eks: how to sign in to the remote EKS cluster and where to put the composed resources.',
  required: ['apiVersion', 'kind'],
  properties: {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { type: 'object', nullable: true, required: [] },
    clusterAuth: {
      type: 'object',
      nullable: true,
      description: 'The ClusterAuth that signs in to the remote cluster.',
      required: [],
      properties: {
        apiVersion: {
          type: 'string',
          nullable: true,
          enum: [...CLUSTER_AUTH_API_VERSIONS],
          description:
            'ClusterAuth API to compose: eks.aws.upbound.io/v1beta1 (cluster-scoped, the default) or eks.aws.m.upbound.io/v1beta1 (namespaced).',
        },
        providerConfigRef: {
          type: 'object',
          nullable: true,
          description: 'AWS provider config ClusterAuth signs in with. Default name: default.',
          required: ['name'],
          properties: {
            name: { type: 'string', minLength: 1 },
            kind: {
              type: 'string',
              nullable: true,
              enum: ['ProviderConfig', 'ClusterProviderConfig'],
              description: 'Only used with eks.aws.m.upbound.io. Default ProviderConfig.',
            },
          },
          additionalProperties: false,
        },
      },
      additionalProperties: false,
    },
    connectionSecret: {
      type: 'object',
      nullable: true,
      description: 'Where ClusterAuth writes the kubeconfig Secret.',
      required: [],
      properties: { namespace: namespaceField },
      additionalProperties: false,
    },
    objects: {
      type: 'object',
      nullable: true,
      description: 'Where the provider-kubernetes Objects and their Usages are composed.',
      required: [],
      properties: { namespace: namespaceField },
      additionalProperties: false,
    },
    status: {
      type: 'object',
      nullable: true,
      description: 'What the XR status may show.',
      required: [],
      properties: {
        allowSecretData: {
          type: 'boolean',
          nullable: true,
          description:
            'Allow statusFields to copy data of remote Secrets into the XR status, where anyone who can read the XR sees it. Default false.',
        },
      },
      additionalProperties: false,
    },
  },
  additionalProperties: false,
};

const ajv = new Ajv({ allErrors: true, strict: false });
const validateInput = ajv.compile(INPUT_SCHEMA);

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
    return { settings: DEFAULT_SETTINGS, errors: (validateInput.errors ?? []).map(toFieldError) };
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
    allowSecretDataInStatus:
      raw.status?.allowSecretData ?? DEFAULT_SETTINGS.allowSecretDataInStatus,
  };
  return { settings, errors };
}

/** Turn one ajv error into a field error with a Kubernetes-style path under `input`. */
function toFieldError(error: ErrorObject): FieldError {
  const segments = error.instancePath.split('/').filter((s) => s !== '');
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
      );
    case 'pattern':
      return new FieldError(
        path,
        'Invalid value',
        'must be a lowercase RFC 1123 label such as crossplane-system',
      );
    default:
      return new FieldError(path, 'Invalid value', error.message ?? 'invalid');
  }
}

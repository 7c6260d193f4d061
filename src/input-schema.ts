import type { JSONSchemaType } from 'ajv';
import { CLUSTER_AUTH_API_VERSIONS, type Input } from './input.js';

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
      properties: {
        namespace: namespaceField,
        providerConfigKind: {
          type: 'string',
          nullable: true,
          enum: ['ClusterProviderConfig', 'ProviderConfig'],
          description:
            'Config the Objects of a cluster-scoped XR use. ClusterProviderConfig (the default) can be shared with namespaced tenant XRs, but no Usage can hold it for namespaced Objects, so foreground deletion may remove it first. ProviderConfig composes a namespaced ClusterAuth, its Secret and a ProviderConfig in objects.namespace, which Usages hold until every Object is gone.',
        },
      },
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
    policy: {
      type: 'object',
      nullable: true,
      description: 'What tenants may ask for on the remote cluster.',
      required: [],
      properties: {
        tenantFieldPath: {
          type: 'string',
          nullable: true,
          description:
            "Field path of a cluster-scoped XR holding the tenant name, for example spec.tenant. Default metadata.name. A namespaced XR's tenant is always its namespace.",
        },
        remoteNamespaces: {
          type: 'object',
          nullable: true,
          description: 'Remote namespaces tenant objects may live in.',
          required: [],
          properties: {
            allowed: {
              type: 'array',
              nullable: true,
              items: { type: 'string' },
              description:
                "Patterns of allowed namespaces. * matches any characters; {{tenant}} and {{ <XR field path> }} expand to the XR's values. Default: any namespace for cluster-scoped XRs, and only the namespace named like the XR's own namespace for namespaced XRs.",
            },
            perTenant: {
              type: 'array',
              nullable: true,
              description:
                'More allowed patterns for tenants whose name matches tenant (* wildcards).',
              items: {
                type: 'object',
                required: ['tenant', 'namespaces'],
                properties: {
                  tenant: { type: 'string' },
                  namespaces: { type: 'array', items: { type: 'string' } },
                },
                additionalProperties: false,
              },
            },
            denied: {
              type: 'array',
              nullable: true,
              items: { type: 'string' },
              description:
                'Patterns of namespaces no tenant may use, whatever else allows them, without expansions. Default: kube-* and default.',
            },
            default: {
              type: 'string',
              nullable: true,
              description:
                'Namespace for namespaced manifests that set none, with the same expansions. Without it such manifests are rejected.',
            },
          },
          additionalProperties: false,
        },
        kinds: {
          type: 'object',
          nullable: true,
          description:
            'Kinds tenants may create, written Kind.group (Kind alone for the core group).',
          required: [],
          properties: {
            allowed: {
              type: 'array',
              nullable: true,
              items: { type: 'string' },
              description:
                'Allowed kinds; * wildcards, for example *.apps. Default: namespaced built-in kinds such as ConfigMap, Secret, Service and Deployment.apps.',
            },
            denied: {
              type: 'array',
              nullable: true,
              items: { type: 'string' },
              description: 'Denied kinds; a denial wins over an allowance.',
            },
            clusterScoped: {
              type: 'array',
              nullable: true,
              items: { type: 'string' },
              description:
                'Cluster-scoped kinds tenants may create, each named exactly. Every other known cluster-scoped kind is denied.',
            },
          },
          additionalProperties: false,
        },
        limits: {
          type: 'object',
          nullable: true,
          description: 'Size limits per XR.',
          required: [],
          properties: {
            maxObjects: {
              type: 'integer',
              nullable: true,
              minimum: 0,
              description: 'Objects per XR. Default 500.',
            },
            maxManifestBytes: {
              type: 'integer',
              nullable: true,
              minimum: 1,
              description: 'Bytes of one manifest as JSON. Default 262144 (256 KiB).',
            },
            maxManifestDepth: {
              type: 'integer',
              nullable: true,
              minimum: 1,
              description: 'Nesting depth of one manifest. Default 20.',
            },
            maxResponseBytes: {
              type: 'integer',
              nullable: true,
              minimum: 1024,
              maximum: 4194304,
              description:
                'Bytes of the encoded response. Crossplane refuses responses over 4 MiB. Default 3670016 (3.5 MiB).',
            },
          },
          additionalProperties: false,
        },
        remoteClusters: {
          type: 'array',
          nullable: true,
          description:
            'Shared remote clusters namespaced XRs may name in spec.remoteClusterRef, and the tenants (namespaces, * wildcards) that may use each.',
          items: {
            type: 'object',
            required: ['name', 'tenants'],
            properties: {
              name: { type: 'string' },
              tenants: { type: 'array', items: { type: 'string' } },
            },
            additionalProperties: false,
          },
        },
      },
      additionalProperties: false,
    },
    remoteClusterAPI: {
      type: 'object',
      nullable: true,
      description:
        'The cluster-scoped XR kind that owns a shared remote cluster. Default remote.example.org/v1alpha1 RemoteCluster.',
      required: ['apiVersion', 'kind'],
      properties: { apiVersion: { type: 'string' }, kind: { type: 'string' } },
      additionalProperties: false,
    },
  },
  additionalProperties: false,
};

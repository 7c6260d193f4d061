import { FieldError, isObject } from './errors.js';
import { getFieldValue, parseFieldPath } from './fieldpath.js';
import type { Policy } from './input.js';
import { checkRemoteObjectsUnique, type TenantObject } from './objects.js';

/**
 * Built-in cluster-scoped kinds, as Kind.group. A manifest of one of these is
 * denied unless the platform lists it in policy.kinds.clusterScoped, because
 * the API server ignores a namespace on a cluster-scoped object: a namespace
 * rule cannot contain it.
 */
export const BUILTIN_CLUSTER_SCOPED_KINDS = new Set([
  'Namespace',
  'Node',
  'PersistentVolume',
  'ComponentStatus',
  'ClusterRole.rbac.authorization.k8s.io',
  'ClusterRoleBinding.rbac.authorization.k8s.io',
  'CustomResourceDefinition.apiextensions.k8s.io',
  'APIService.apiregistration.k8s.io',
  'ValidatingWebhookConfiguration.admissionregistration.k8s.io',
  'MutatingWebhookConfiguration.admissionregistration.k8s.io',
  'ValidatingAdmissionPolicy.admissionregistration.k8s.io',
  'ValidatingAdmissionPolicyBinding.admissionregistration.k8s.io',
  'MutatingAdmissionPolicy.admissionregistration.k8s.io',
  'MutatingAdmissionPolicyBinding.admissionregistration.k8s.io',
  'StorageClass.storage.k8s.io',
  'CSIDriver.storage.k8s.io',
  'CSINode.storage.k8s.io',
  'VolumeAttachment.storage.k8s.io',
  'PriorityClass.scheduling.k8s.io',
  'RuntimeClass.node.k8s.io',
  'IngressClass.networking.k8s.io',
  'IPAddress.networking.k8s.io',
  'ServiceCIDR.networking.k8s.io',
  'CertificateSigningRequest.certificates.k8s.io',
  'ClusterTrustBundle.certificates.k8s.io',
  'FlowSchema.flowcontrol.apiserver.k8s.io',
  'PriorityLevelConfiguration.flowcontrol.apiserver.k8s.io',
  'DeviceClass.resource.k8s.io',
  'TokenReview.authentication.k8s.io',
  'SelfSubjectReview.authentication.k8s.io',
  'SubjectAccessReview.authorization.k8s.io',
  'SelfSubjectAccessReview.authorization.k8s.io',
  'SelfSubjectRulesReview.authorization.k8s.io',
  'VolumeAttributesClass.storage.k8s.io',
  'ResourceSlice.resource.k8s.io',
  'DeviceTaintRule.resource.k8s.io',
  'StorageVersionMigration.storagemigration.k8s.io',
  'StorageVersion.internal.apiserver.k8s.io',
  // Common cluster-scoped custom kinds on EKS clusters, for platforms that
  // allow '*': the VPC CNI's ENIConfig, Gateway API, cert-manager, Karpenter,
  // external-secrets and Kyverno.
  'ENIConfig.crd.k8s.amazonaws.com',
  'GatewayClass.gateway.networking.k8s.io',
  'ClusterIssuer.cert-manager.io',
  'NodePool.karpenter.sh',
  'NodeClaim.karpenter.sh',
  'EC2NodeClass.karpenter.k8s.aws',
  'ClusterSecretStore.external-secrets.io',
  'ClusterExternalSecret.external-secrets.io',
  'ClusterPolicy.kyverno.io',
]);

/** Identity of the requester, as the policy's rules need it. */
export interface TenantContext {
  /** The XR, for {{ <field path> }} expansions. */
  xr: Record<string, unknown>;
  /** Namespaced XRs are their namespace's tenant; cluster-scoped XRs read it from the policy's field path. */
  namespaced: boolean;
  tenant?: string;
}

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const NAMESPACE_PATTERN = /^[a-z0-9*{}\-. _[\]/]+$/;
const KIND_PATTERN = /^(\*|[A-Z][A-Za-z0-9]*)(\.(\*|[a-z0-9]([-a-z0-9.]*[a-z0-9])?))?$/;
const PLACEHOLDER = /\{\{\s*([^}]+?)\s*\}\}/g;

/** Qualify a manifest's kind as Kind.group, or Kind alone for the core group. */
export function qualifiedKind(apiVersion: string, kind: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? kind : `${kind}.${apiVersion.slice(0, slash)}`;
}

/** Check the policy itself, so a platform's mistake is a clear Fatal, not a silent allow. */
export function validatePolicy(policy: Policy): FieldError[] {
  const errors: FieldError[] = [];
  try {
    parseFieldPath(policy.tenantFieldPath);
  } catch (error) {
    errors.push(
      new FieldError(
        'input.policy.tenantFieldPath',
        'Invalid value',
        `not a field path: ${(error as Error).message}`,
        policy.tenantFieldPath,
      ),
    );
  }
  const namespacePatterns: [string, string][] = [];
  (policy.allowedNamespaces ?? []).forEach((p, i) =>
    namespacePatterns.push([`input.policy.remoteNamespaces.allowed[${i}]`, p]),
  );
  policy.perTenantNamespaces.forEach((rule, i) =>
    rule.namespaces.forEach((p, j) =>
      namespacePatterns.push([`input.policy.remoteNamespaces.perTenant[${i}].namespaces[${j}]`, p]),
    ),
  );
  if (policy.defaultNamespace !== undefined) {
    namespacePatterns.push(['input.policy.remoteNamespaces.default', policy.defaultNamespace]);
  }
  policy.deniedNamespaces.forEach((pattern, i) => {
    const path = `input.policy.remoteNamespaces.denied[${i}]`;
    if (pattern.includes('{')) {
      errors.push(
        new FieldError(path, 'Invalid value', 'denied patterns take no {{ }} expansions', pattern),
      );
    } else {
      namespacePatterns.push([path, pattern]);
    }
  });
  for (const [path, pattern] of namespacePatterns) {
    if (pattern === '' || !NAMESPACE_PATTERN.test(pattern)) {
      errors.push(
        new FieldError(
          path,
          'Invalid value',
          'a namespace pattern has lowercase letters, digits, -, * and {{ }} expansions such as {{tenant}}-*',
          pattern,
        ),
      );
      continue;
    }
    if (
      pattern.replace(PLACEHOLDER, '').includes('{') ||
      pattern.replace(PLACEHOLDER, '').includes('}')
    ) {
      errors.push(
        new FieldError(
          path,
          'Invalid value',
          'an expansion is written {{tenant}} or {{ <field path> }}, with both braces doubled',
          pattern,
        ),
      );
      continue;
    }
    for (const match of pattern.matchAll(PLACEHOLDER)) {
      const inner = match[1] ?? '';
      if (inner === 'tenant') continue;
      try {
        parseFieldPath(inner);
      } catch (error) {
        errors.push(
          new FieldError(
            path,
            'Invalid value',
            `{{ ${inner} }} is not tenant or a field path: ${(error as Error).message}`,
            pattern,
          ),
        );
      }
    }
  }
  if (policy.defaultNamespace?.includes('*')) {
    errors.push(
      new FieldError(
        'input.policy.remoteNamespaces.default',
        'Invalid value',
        'a default namespace cannot contain *',
        policy.defaultNamespace,
      ),
    );
  }
  const kindLists: [string, string[]][] = [
    ['input.policy.kinds.allowed', policy.allowedKinds],
    ['input.policy.kinds.denied', policy.deniedKinds],
    ['input.policy.kinds.clusterScoped', policy.clusterScopedKinds],
  ];
  for (const [path, kinds] of kindLists) {
    kinds.forEach((kind, i) => {
      if (!KIND_PATTERN.test(kind)) {
        errors.push(
          new FieldError(
            `${path}[${i}]`,
            'Invalid value',
            'write a kind as Kind.group, or Kind alone for the core group, for example Deployment.apps or ConfigMap',
            kind,
          ),
        );
      } else if (path.endsWith('clusterScoped') && kind.includes('*')) {
        errors.push(
          new FieldError(
            `${path}[${i}]`,
            'Invalid value',
            'name each cluster-scoped kind exactly; wildcards are not allowed here',
            kind,
          ),
        );
      }
    });
  }
  policy.remoteClusters.forEach((cluster, i) => {
    if (!LABEL.test(cluster.name) && !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(cluster.name)) {
      errors.push(
        new FieldError(
          `input.policy.remoteClusters[${i}].name`,
          'Invalid value',
          'must be the name of a remote cluster XR',
          cluster.name,
        ),
      );
    }
  });
  return errors;
}

/**
 * Read the tenant of a cluster-scoped XR from the policy's field path. It is
 * only an error when a rule needs the tenant, so it is returned as a lazy
 * check rather than raised here.
 */
export function tenantOf(
  xr: Record<string, unknown>,
  namespace: string | undefined,
  policy: Policy,
): string | undefined {
  if (namespace !== undefined) return namespace;
  const value = getFieldValue(xr, parseFieldPath(policy.tenantFieldPath));
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * Apply the policy to the tenant objects: limits, kinds and remote
 * namespaces. A namespaced manifest without a namespace gets the policy's
 * default namespace, in a copy of the manifest, or is rejected: it is never
 * sent without one. Objects that the default namespace makes the same remote
 * object are rejected too.
 */
export function enforcePolicy(
  objects: TenantObject[],
  context: TenantContext,
  policy: Policy,
): FieldError[] {
  const errors: FieldError[] = [];
  if (objects.length > policy.limits.maxObjects) {
    errors.push(
      new FieldError(
        'spec.objects',
        'Too many',
        `at most ${policy.limits.maxObjects} objects per XR (input.policy.limits.maxObjects); split them across XRs`,
        objects.length,
      ),
    );
    return errors;
  }
  const expand = expander(context, policy, errors);
  for (const object of objects) {
    const path = `spec.objects[${object.index}].manifest`;
    if (!checkSize(object, path, policy, errors)) continue;
    const kind = qualifiedKind(object.apiVersion, object.kind);
    const clusterScoped =
      BUILTIN_CLUSTER_SCOPED_KINDS.has(kind) || policy.clusterScopedKinds.includes(kind);
    const denied = policy.deniedKinds.find((pattern) => kindMatches(pattern, kind));
    if (denied !== undefined) {
      errors.push(
        new FieldError(
          `${path}.kind`,
          'Forbidden',
          `kind ${kind} is denied by the platform's policy (input.policy.kinds.denied: ${denied})`,
          object.kind,
        ),
      );
      continue;
    }
    if (clusterScoped) {
      if (!policy.clusterScopedKinds.includes(kind)) {
        errors.push(
          new FieldError(
            `${path}.kind`,
            'Forbidden',
            `kind ${kind} is cluster-scoped; tenants may only create cluster-scoped kinds the platform lists in input.policy.kinds.clusterScoped`,
            object.kind,
          ),
        );
        continue;
      }
      if (object.namespace !== undefined) {
        errors.push(
          new FieldError(
            `${path}.metadata.namespace`,
            'Invalid value',
            `kind ${kind} is cluster-scoped; remove metadata.namespace`,
            object.namespace,
          ),
        );
        continue;
      }
      if (kind === 'Namespace') {
        // Creating a namespace claims it: the same rules as objects inside it apply.
        checkNamespace(object.name, `${path}.metadata.name`, context, policy, expand, errors);
      }
      continue;
    }
    if (!policy.allowedKinds.some((pattern) => kindMatches(pattern, kind))) {
      errors.push(
        new FieldError(
          `${path}.kind`,
          'Forbidden',
          `kind ${kind} is not allowed by the platform's policy (input.policy.kinds.allowed: ${policy.allowedKinds.join(', ') || '(none)'})`,
          object.kind,
        ),
      );
      continue;
    }
    if (object.namespace === undefined) {
      const fallback =
        policy.defaultNamespace === undefined ? undefined : expand(policy.defaultNamespace);
      if (fallback === undefined || !LABEL.test(fallback)) {
        errors.push(
          new FieldError(
            `${path}.metadata.namespace`,
            'Required value',
            `kind ${kind} is namespaced; set metadata.namespace, because the platform's policy sets no default namespace`,
          ),
        );
        continue;
      }
      object.namespace = fallback;
      const metadata = isObject(object.manifest.metadata) ? object.manifest.metadata : {};
      object.manifest = { ...object.manifest, metadata: { ...metadata, namespace: fallback } };
    }
    checkNamespace(object.namespace, `${path}.metadata.namespace`, context, policy, expand, errors);
  }
  errors.push(...checkRemoteObjectsUnique(objects));
  return errors;
}

function checkSize(
  object: TenantObject,
  path: string,
  policy: Policy,
  errors: FieldError[],
): boolean {
  const depth = nestingDepth(object.manifest, policy.limits.maxManifestDepth + 1);
  if (depth > policy.limits.maxManifestDepth) {
    errors.push(
      new FieldError(
        path,
        'Invalid value',
        `nested deeper than ${policy.limits.maxManifestDepth} levels (input.policy.limits.maxManifestDepth)`,
      ),
    );
    return false;
  }
  const bytes = Buffer.byteLength(JSON.stringify(object.manifest));
  object.manifestBytes = bytes;
  if (bytes > policy.limits.maxManifestBytes) {
    errors.push(
      new FieldError(
        path,
        'Too long',
        `${bytes} bytes as JSON; at most ${policy.limits.maxManifestBytes} (input.policy.limits.maxManifestBytes)`,
      ),
    );
    return false;
  }
  return true;
}

/** Depth of nested objects and arrays, counted without recursion and stopping at limit. */
export function nestingDepth(value: unknown, limit: number): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 1]];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [current, depth] = item;
    if (typeof current !== 'object' || current === null) continue;
    if (depth > max) max = depth;
    if (max >= limit) return max;
    for (const child of Array.isArray(current) ? current : Object.values(current)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return max;
}

function checkNamespace(
  namespace: string,
  path: string,
  context: TenantContext,
  policy: Policy,
  expand: (pattern: string) => string | undefined,
  errors: FieldError[],
): void {
  // Denied patterns take no expansions: a tenant must not be able to switch a
  // denial off by leaving out the field it would read.
  for (const pattern of policy.deniedNamespaces) {
    if (globMatches(pattern, namespace)) {
      errors.push(
        new FieldError(
          path,
          'Forbidden',
          `remote namespace ${namespace} is denied by the platform's policy (input.policy.remoteNamespaces.denied: ${pattern})`,
          namespace,
        ),
      );
      return;
    }
  }
  const patterns = allowedNamespacePatterns(context, policy);
  const expanded = patterns.map(expand).filter((p): p is string => p !== undefined);
  if (expanded.some((pattern) => globMatches(pattern, namespace))) return;
  const who = context.tenant === undefined ? 'this XR' : `tenant ${context.tenant}`;
  const shown = expanded.length === 0 ? 'none' : expanded.join(', ');
  errors.push(
    new FieldError(
      path,
      'Forbidden',
      `remote namespace ${namespace} is not allowed for ${who}; allowed: ${shown} (input.policy.remoteNamespaces)`,
      namespace,
    ),
  );
}

function allowedNamespacePatterns(context: TenantContext, policy: Policy): string[] {
  // A namespaced XR's default is its own namespace only: a default of
  // {{tenant}}-* would let tenant "team" write into tenant "team-b"'s namespace.
  const base = policy.allowedNamespaces ?? (context.namespaced ? ['{{tenant}}'] : ['*']);
  const extra = policy.perTenantNamespaces
    .filter((rule) => context.tenant !== undefined && globMatches(rule.tenant, context.tenant))
    .flatMap((rule) => rule.namespaces);
  return [...base, ...extra];
}

/**
 * Build the expansion of {{tenant}} and {{ <field path> }}. A value that is
 * missing, or is not an RFC 1123 label, makes the pattern match nothing, so a
 * tenant cannot widen a rule by writing `*` into the field it reads.
 */
function expander(
  context: TenantContext,
  policy: Policy,
  errors: FieldError[],
): (pattern: string) => string | undefined {
  let reportedTenant = false;
  return (pattern) => {
    let ok = true;
    const result = pattern.replace(PLACEHOLDER, (_, inner: string) => {
      let value: unknown;
      if (inner === 'tenant') {
        value = context.tenant;
        if (value === undefined && !reportedTenant) {
          reportedTenant = true;
          errors.push(
            new FieldError(
              policy.tenantFieldPath,
              'Required value',
              "the platform's policy reads the tenant from this field (input.policy.tenantFieldPath)",
            ),
          );
        }
      } else {
        value = getFieldValue(context.xr, parseFieldPath(inner));
      }
      if (typeof value !== 'string' || !LABEL.test(value)) {
        ok = false;
        return '';
      }
      return value;
    });
    return ok ? result : undefined;
  };
}

/**
 * Match a glob whose only wildcard is `*`, against the whole value, in
 * O(pattern length × value length) steps. A regular expression built from
 * the glob backtracks exponentially in the number of `*`s when the value does
 * not match, which let one pattern block the server for minutes.
 */
export function globMatches(pattern: string, value: string): boolean {
  let patternIndex = 0;
  let valueIndex = 0;
  // After a mismatch, retry from the last `*`, with it taking one more character.
  let starIndex = -1;
  let starValueIndex = 0;
  while (valueIndex < value.length) {
    if (pattern[patternIndex] === '*') {
      starIndex = patternIndex;
      starValueIndex = valueIndex;
      patternIndex += 1;
    } else if (patternIndex < pattern.length && pattern[patternIndex] === value[valueIndex]) {
      patternIndex += 1;
      valueIndex += 1;
    } else if (starIndex >= 0) {
      patternIndex = starIndex + 1;
      starValueIndex += 1;
      valueIndex = starValueIndex;
    } else {
      return false;
    }
  }
  while (pattern[patternIndex] === '*') patternIndex += 1;
  return patternIndex === pattern.length;
}

function kindMatches(pattern: string, kind: string): boolean {
  if (pattern === '*') return true;
  return globMatches(pattern, kind);
}

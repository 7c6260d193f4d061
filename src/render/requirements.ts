import { Ready, Severity } from '@crossplane-org/function-sdk-typescript';
import type {
  Requirements,
  Resource,
  ResourceSelector,
  Resources,
  RunFunctionRequest,
  RunFunctionResponse,
  Schema,
} from '@crossplane-org/function-sdk-typescript';
import { RenderError } from './errors.js';
import { compareUtf8, getString, getStringMap, isJsonObject } from './object.js';
import type { JsonObject } from './object.js';

/**
 * The maximum number of calls to one step: the first call and five more
 * that supply changed requirements, as in Crossplane 2.2.
 */
export const MAX_CALLS_PER_STEP = 6;

/**
 * Selects the resources that a requirement requests from the loaded
 * --required-resources, in namespace and name order.
 *
 * A resource matches on apiVersion and kind, then on matchName or every
 * label of matchLabels. A selector with neither matches every resource of
 * that kind. A non-empty namespace in the selector must also match, as it
 * does against a real API server.
 * NOTE: crossplane render 2.2 itself ignores the selector's namespace.
 */
export function selectResources(
  selector: ResourceSelector,
  resources: readonly JsonObject[],
): Resources {
  const candidates = resources
    .filter((resource) => getString(resource, ['apiVersion']) === selector.apiVersion)
    .filter((resource) => getString(resource, ['kind']) === selector.kind)
    .filter(
      (resource) =>
        selector.namespace === undefined ||
        selector.namespace === '' ||
        getString(resource, ['metadata', 'namespace']) === selector.namespace,
    )
    .sort((a, b) => compareUtf8(sortKey(a), sortKey(b)));

  if (selector.matchName !== undefined) {
    // At most one resource can have a given name.
    const named = candidates.find((r) => getString(r, ['metadata', 'name']) === selector.matchName);
    return { items: named === undefined ? [] : [asItem(named)] };
  }

  const wanted = selector.matchLabels?.labels ?? {};
  const matching = candidates.filter((resource) => {
    const labels = getStringMap(resource, ['metadata', 'labels']);
    return Object.entries(wanted).every(([key, value]) => labels[key] === value);
  });
  return { items: matching.map(asItem) };
}

function sortKey(resource: JsonObject): string {
  const namespace = getString(resource, ['metadata', 'namespace']) ?? '';
  const name = getString(resource, ['metadata', 'name']) ?? '';
  return `${namespace}/${name}`;
}

function asItem(resource: JsonObject): Resource {
  return { resource, connectionDetails: {}, ready: Ready.READY_UNSPECIFIED };
}

/**
 * Calls one pipeline step until the requirements it returns stop changing.
 *
 * After each call that returns requirements different from the previous call
 * (the first call compares against none), the step is called again with the
 * same desired state, the context that call returned, and the resources it
 * asked for. Resources from the step's own spec.pipeline[].requirements stay
 * in every call. Returning empty requirements (`requirements: {}`) therefore
 * costs one more call than returning none. A fatal result ends the loop.
 *
 * @throws RenderError when the requirements still change after
 *   MAX_CALLS_PER_STEP calls.
 */
export async function callUntilRequirementsSettle(
  call: (request: RunFunctionRequest) => Promise<RunFunctionResponse>,
  first: RunFunctionRequest,
  resources: readonly JsonObject[],
): Promise<RunFunctionResponse> {
  const bootstrapResources = first.requiredResources;
  const bootstrapSchemas = first.requiredSchemas;
  let request = first;
  let previous: Requirements | undefined;

  for (let calls = 1; calls <= MAX_CALLS_PER_STEP; calls++) {
    const response = await call(request);

    if (response.results.some((result) => result.severity === Severity.SEVERITY_FATAL)) {
      return response;
    }

    const requirements = response.requirements;
    if (requirementsEqual(requirements, previous)) {
      return response;
    }
    previous = requirements;

    request = {
      ...request,
      context: response.context,
      extraResources: selectRequested(requirements?.extraResources, resources),
      requiredResources: {
        ...bootstrapResources,
        ...selectRequested(requirements?.resources, resources),
      },
      requiredSchemas: { ...bootstrapSchemas, ...emptySchemas(requirements?.schemas) },
    };
  }

  throw new RenderError(
    `requirements did not stabilize after ${MAX_CALLS_PER_STEP} calls: ` +
      'every call returned different requirements from the call before',
  );
}

function selectRequested(
  selectors: Record<string, ResourceSelector> | undefined,
  resources: readonly JsonObject[],
): Record<string, Resources> {
  const selected: Record<string, Resources> = {};
  for (const [name, selector] of Object.entries(selectors ?? {})) {
    selected[name] = selectResources(selector, resources);
  }
  return selected;
}

// NOTE: no OpenAPI schemas are loaded, so each requested schema is sent empty,
// meaning not found, as crossplane render does without --required-schemas.
function emptySchemas(selectors: Record<string, unknown> | undefined): Record<string, Schema> {
  const schemas: Record<string, Schema> = {};
  for (const name of Object.keys(selectors ?? {})) {
    schemas[name] = {};
  }
  return schemas;
}

/**
 * Compares requirements the way protobuf equality does: absent requirements
 * equal only absent ones, and an unset optional field differs from a field
 * set to its zero value.
 */
export function requirementsEqual(
  a: Requirements | undefined,
  b: Requirements | undefined,
): boolean {
  return deepEqual(a, b);
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) {
    return true;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) &&
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((item, index) => deepEqual(item, b[index]))
    );
  }
  if (!isJsonObject(a) || !isJsonObject(b)) {
    return false;
  }

  // ts-proto leaves unset optional fields undefined, so skip those keys.
  const keysOf = (object: JsonObject) =>
    Object.keys(object).filter((key) => object[key] !== undefined);
  const aKeys = keysOf(a);
  const bKeys = keysOf(b);
  return aKeys.length === bKeys.length && aKeys.every((key) => deepEqual(a[key], b[key]));
}

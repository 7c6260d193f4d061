import { Capability, Ready } from '@crossplane-org/function-sdk-typescript';
import type {
  Credentials,
  Resource,
  ResourceSelector,
  Resources,
  RunFunctionRequest,
  Schema,
  State,
} from '@crossplane-org/function-sdk-typescript';
import { RenderError, wrapError } from './errors.js';
import type { PipelineStep, StepRequirements } from './composition.js';
import type { CredentialSecret, LoadedDocument } from './load.js';
import { COMPOSITION_RESOURCE_NAME, getString } from './object.js';
import type { JsonObject } from './object.js';
import { selectResources } from './requirements.js';

/** The capabilities crossplane render 2.2 advertises in every request. */
export const RENDER_CAPABILITIES: readonly Capability[] = [
  Capability.CAPABILITY_CAPABILITIES,
  Capability.CAPABILITY_REQUIRED_RESOURCES,
  Capability.CAPABILITY_CREDENTIALS,
  Capability.CAPABILITY_CONDITIONS,
  Capability.CAPABILITY_REQUIRED_SCHEMAS,
];

/** The pipeline state a step's request is built from, besides the step itself. */
export interface StepRequestState {
  observed: State;
  /** The desired state returned by the previous step, empty for the first. */
  desired: State | undefined;
  /** The context returned by the previous step, the initial context for the first. */
  context: JsonObject | undefined;
}

/** Inputs that steps can ask for up front: resources for requirements, Secrets for credentials. */
export interface StepRequestSources {
  requiredResources: readonly JsonObject[];
  secrets: readonly CredentialSecret[];
}

/**
 * Keys observed composed resources by their
 * crossplane.io/composition-resource-name annotation, which is how Crossplane
 * matches them to the pipeline's desired resources.
 *
 * @throws RenderError naming the document when the annotation is missing or
 *   two resources share a key.
 */
export function keyObservedResources(
  documents: readonly LoadedDocument[],
): Map<string, JsonObject> {
  const observed = new Map<string, JsonObject>();
  const sources = new Map<string, string>();

  for (const { object, source } of documents) {
    const key = getString(object, ['metadata', 'annotations', COMPOSITION_RESOURCE_NAME]);
    if (key === undefined || key === '') {
      throw new RenderError(
        `${source}: observed resource has no metadata.annotations["${COMPOSITION_RESOURCE_NAME}"], ` +
          'which names its key in the pipeline',
      );
    }

    const earlier = sources.get(key);
    if (earlier !== undefined) {
      throw new RenderError(
        `${source}: observed resource key "${key}" is already used by ${earlier}, ` +
          `each ${COMPOSITION_RESOURCE_NAME} annotation must be unique`,
      );
    }

    observed.set(key, object);
    sources.set(key, source);
  }
  return observed;
}

function asResource(object: JsonObject): Resource {
  return { resource: object, connectionDetails: {}, ready: Ready.READY_UNSPECIFIED };
}

/**
 * Builds the observed state sent to every step: the XR exactly as loaded and
 * the observed composed resources by key, without connection details.
 */
export function buildObservedState(
  xr: JsonObject,
  observed: ReadonlyMap<string, JsonObject>,
): State {
  const resources: Record<string, Resource> = {};
  for (const [key, object] of observed) {
    resources[key] = asResource(object);
  }
  return { composite: asResource(xr), resources };
}

/** Returns the state the first step receives as desired: no composite and no resources. */
export function emptyDesiredState(): State {
  return { composite: undefined, resources: {} };
}

/**
 * Builds a step's first request: the observed state, the previous step's
 * desired state and context, the step's input, its credentials and the
 * resources and schemas named in its requirements.
 *
 * @throws RenderError when a credential names a Secret that was not loaded.
 */
export function buildStepRequest(
  step: PipelineStep,
  state: StepRequestState,
  sources: StepRequestSources,
): RunFunctionRequest {
  const request: RunFunctionRequest = {
    // crossplane render sends no tag, only capabilities.
    meta: { tag: '', capabilities: [...RENDER_CAPABILITIES] },
    observed: state.observed,
    desired: state.desired,
    context: state.context,
    extraResources: {},
    credentials: buildCredentials(step, sources.secrets),
    requiredResources: {},
    requiredSchemas: {},
  };

  if (step.input !== undefined) {
    request.input = step.input;
  }

  if (step.requirements !== undefined) {
    request.requiredResources = bootstrapResources(step.requirements, sources.requiredResources);
    request.requiredSchemas = bootstrapSchemas(step.requirements);
  }
  return request;
}

function buildCredentials(
  step: PipelineStep,
  secrets: readonly CredentialSecret[],
): Record<string, Credentials> {
  const credentials: Record<string, Credentials> = {};

  for (const entry of step.credentials) {
    // Secrets are the only source of credentials, as in Crossplane.
    if (entry.source !== 'Secret' || entry.secretRef === undefined) {
      continue;
    }

    const { name, namespace } = entry.secretRef;
    const secret = secrets.find((s) => s.name === name && s.namespace === namespace);
    if (secret === undefined) {
      throw wrapError(
        `cannot get credentials "${entry.name}" of pipeline step "${step.step}" from secret "${name}"`,
        `secret "${name}" in namespace "${namespace}" not found; pass it with --function-credentials`,
      );
    }
    credentials[entry.name] = { credentialData: { data: { ...secret.data } } };
  }
  return credentials;
}

function bootstrapResources(
  requirements: StepRequirements,
  resources: readonly JsonObject[],
): Record<string, Resources> {
  const selected: Record<string, Resources> = {};

  for (const required of requirements.requiredResources) {
    const selector: ResourceSelector = {
      apiVersion: required.apiVersion,
      kind: required.kind,
      namespace: required.namespace,
    };
    // A name wins over matchLabels, as in Crossplane.
    if (required.name !== undefined) {
      selector.matchName = required.name;
    } else if (required.matchLabels !== undefined && Object.keys(required.matchLabels).length > 0) {
      selector.matchLabels = { labels: required.matchLabels };
    }
    selected[required.requirementName] = selectResources(selector, resources);
  }
  return selected;
}

// NOTE: this command loads no OpenAPI schemas (crossplane render's
// --required-schemas), so each requested schema is sent empty, meaning not
// found.
function bootstrapSchemas(requirements: StepRequirements): Record<string, Schema> {
  const schemas: Record<string, Schema> = {};
  for (const required of requirements.requiredSchemas) {
    schemas[required.requirementName] = {};
  }
  return schemas;
}

import { Severity } from '@crossplane-org/function-sdk-typescript';
import type {
  Condition,
  RunFunctionRequest,
  RunFunctionResponse,
  State,
} from '@crossplane-org/function-sdk-typescript';
import { RenderError, wrapError } from './errors.js';
import type { PipelineStep } from './composition.js';
import type { CredentialSecret } from './load.js';
import type { JsonObject } from './object.js';
import { buildObservedState, buildStepRequest, emptyDesiredState } from './request.js';
import { callUntilRequirementsSettle } from './requirements.js';

/** Sends a RunFunctionRequest to the named Function and returns its response. */
export interface FunctionRunner {
  runFunction(functionName: string, request: RunFunctionRequest): Promise<RunFunctionResponse>;
}

/** Everything the pipeline runs on, already loaded and validated. */
export interface PipelineInputs {
  pipeline: readonly PipelineStep[];
  xr: JsonObject;
  /** Observed composed resources by their composition-resource-name annotation. */
  observed: ReadonlyMap<string, JsonObject>;
  /** The context the first step receives. */
  context: JsonObject;
  /** Resources for requirements: from steps' own requirements and from functions. */
  requiredResources: readonly JsonObject[];
  /** Resources from the deprecated --extra-resources, for requirements functions return. */
  extraResources: readonly JsonObject[];
  secrets: readonly CredentialSecret[];
}

/** A non-fatal result returned by a step. */
export interface StepResult {
  step: string;
  severity: Severity;
  message: string;
}

/** The pipeline's desired state, context, results and conditions, before output shaping. */
export interface PipelineOutput {
  /** The desired state returned by the last step. */
  desired: State | undefined;
  /** The context returned by the last step; a step may return none. */
  context: JsonObject | undefined;
  /** Non-fatal results of every step, in pipeline order. */
  results: StepResult[];
  /** Conditions returned by every step, in pipeline order. */
  conditions: Condition[];
}

/** A step returned a result of severity Fatal, which stops the pipeline. */
export class FatalResultError extends RenderError {
  constructor(
    readonly step: string,
    readonly resultMessage: string,
  ) {
    super(`pipeline step "${step}" returned a fatal result: ${resultMessage}`);
  }
}

/**
 * Runs the Composition's steps in order, as crossplane render does.
 *
 * Every step observes the same XR and composed resources. The first step
 * receives empty desired state and the initial context. Each later step
 * receives the desired state and context returned by the step before, as
 * returned: a step that omits them hands on none.
 *
 * @throws FatalResultError when a step returns a Fatal result.
 * @throws RenderError naming the step when a call fails.
 */
export async function runPipeline(
  inputs: PipelineInputs,
  runner: FunctionRunner,
): Promise<PipelineOutput> {
  const observed = buildObservedState(inputs.xr, inputs.observed);
  const requirementPool = [...inputs.extraResources, ...inputs.requiredResources];
  const sources = { requiredResources: inputs.requiredResources, secrets: inputs.secrets };

  let desired: State | undefined = emptyDesiredState();
  let context: JsonObject | undefined = inputs.context;
  const results: StepResult[] = [];
  const conditions: Condition[] = [];

  for (const step of inputs.pipeline) {
    let response: RunFunctionResponse;
    try {
      const request = buildStepRequest(step, { observed, desired, context }, sources);
      response = await callUntilRequirementsSettle(
        (next) => runner.runFunction(step.functionName, next),
        request,
        requirementPool,
      );
    } catch (error) {
      throw wrapError(`cannot run pipeline step "${step.step}"`, error);
    }

    desired = response.desired;
    context = response.context;
    conditions.push(...response.conditions);

    for (const result of response.results) {
      if (result.severity === Severity.SEVERITY_FATAL) {
        throw new FatalResultError(step.step, result.message);
      }
      results.push({ step: step.step, severity: result.severity, message: result.message });
    }
  }

  return { desired, context, results, conditions };
}

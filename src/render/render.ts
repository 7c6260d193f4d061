import type { RenderArguments } from './args.js';
import { GrpcFunctionRunner } from './client.js';
import { wrapError } from './errors.js';
import { checkCompositionMatches, loadComposition } from './composition.js';
import {
  loadCompositeResource,
  loadContext,
  loadCredentialSecrets,
  loadFunctions,
  readYamlStream,
} from './load.js';
import type { CredentialSecret, LoadedDocument } from './load.js';
import type { JsonObject } from './object.js';
import { buildOutputDocuments, formatDocuments } from './output.js';
import { runPipeline } from './pipeline.js';
import type { PipelineInputs } from './pipeline.js';
import { keyObservedResources } from './request.js';
import { overrideAnnotations, resolveFunctionTargets } from './runtime.js';

/** The loaded inputs of one render, and where each Function is dialled. */
interface LoadedInputs {
  pipeline: PipelineInputs;
  targets: Map<string, string>;
}

async function loadInputs(args: RenderArguments): Promise<LoadedInputs> {
  const xr = await attempt('cannot load composite resource', () =>
    loadCompositeResource(args.compositeResource),
  );
  const composition = await attempt('cannot load Composition', () =>
    loadComposition(args.composition),
  );
  checkCompositionMatches(xr, composition);

  const functions = await attempt('cannot load functions', () => loadFunctions(args.functions));
  const targets = resolveFunctionTargets(
    overrideAnnotations(functions, args.functionAnnotations),
    composition.pipeline,
    args.functionAddresses,
  );

  let secrets: CredentialSecret[] = [];
  if (args.functionCredentials !== undefined) {
    const file = args.functionCredentials;
    secrets = await attempt('cannot load function credentials', () => loadCredentialSecrets(file));
  }

  const observed = await attempt('cannot load observed composed resources', async () =>
    keyObservedResources(await readOptionalStream(args.observedResources)),
  );
  const extraResources = await attempt('cannot load extra resources', () =>
    readOptionalObjects(args.extraResources),
  );
  const requiredResources = await attempt('cannot load required resources', () =>
    readOptionalObjects(args.requiredResources),
  );
  const context = await loadContext(args.contextFiles, args.contextValues);

  return {
    pipeline: {
      pipeline: composition.pipeline,
      xr,
      observed,
      context,
      requiredResources,
      extraResources,
      secrets,
    },
    targets,
  };
}

async function attempt<T>(description: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    throw wrapError(description, error);
  }
}

async function readOptionalStream(fileOrDir: string | undefined): Promise<LoadedDocument[]> {
  return fileOrDir === undefined ? [] : readYamlStream(fileOrDir);
}

async function readOptionalObjects(fileOrDir: string | undefined): Promise<JsonObject[]> {
  return (await readOptionalStream(fileOrDir)).map((document) => document.object);
}

/**
 * Renders the XR described by the command line and returns the YAML stream
 * to print.
 *
 * @throws RenderError for bad input, an unreachable Function, a failed call
 *   or a fatal result.
 */
export async function render(args: RenderArguments): Promise<string> {
  const { pipeline, targets } = await loadInputs(args);

  const deadline = new Date(Date.now() + args.timeout.milliseconds);
  const runner = new GrpcFunctionRunner(targets, deadline, args.timeout.text);
  try {
    const output = await runPipeline(pipeline, runner);
    const documents = buildOutputDocuments(pipeline.xr, pipeline.observed, output, {
      includeFullXR: args.includeFullXR,
      includeFunctionResults: args.includeFunctionResults,
      includeContext: args.includeContext,
    });
    return formatDocuments(documents);
  } catch (error) {
    throw wrapError('cannot render composite resource', error);
  } finally {
    runner.close();
  }
}

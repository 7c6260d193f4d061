import { RenderError } from './errors.js';
import type { PipelineStep } from './composition.js';
import type { FunctionPackage } from './load.js';

/** Selects how crossplane render runs a Function: Docker (the default) or Development. */
export const RUNTIME_ANNOTATION = 'render.crossplane.io/runtime';

/** The gRPC target of a Function with the Development runtime. */
export const DEVELOPMENT_TARGET_ANNOTATION = 'render.crossplane.io/runtime-development-target';

/** The target crossplane render dials for a Development Function that names none. */
export const DEFAULT_DEVELOPMENT_TARGET = 'localhost:9443';

const RUNTIME_DOCKER = 'Docker';
const RUNTIME_DEVELOPMENT = 'Development';

/**
 * Returns copies of the Functions with the given annotations set on every one
 * of them, as crossplane render's --function-annotations does. An annotation
 * given here replaces the one in the manifest.
 */
export function overrideAnnotations(
  functions: readonly FunctionPackage[],
  annotations: ReadonlyArray<[string, string]>,
): FunctionPackage[] {
  return functions.map((fn) => ({
    ...fn,
    annotations: { ...fn.annotations, ...Object.fromEntries(annotations) },
  }));
}

/**
 * Decides where each Function used by the pipeline is dialled, in plaintext.
 *
 * An entry of `addresses` (from --function-address) wins. Otherwise a
 * Function must use the Development runtime, and is dialled at its
 * runtime-development-target annotation or localhost:9443. The Docker runtime
 * needs a Docker daemon, which this command does not use.
 *
 * @returns A map from Function name to gRPC target, for the Functions that
 *   the pipeline references.
 * @throws RenderError for an unknown runtime, an address override naming no
 *   Function, a step naming a missing Function, or a Docker Function without
 *   an address override.
 */
export function resolveFunctionTargets(
  functions: readonly FunctionPackage[],
  pipeline: readonly PipelineStep[],
  addresses: ReadonlyMap<string, string>,
): Map<string, string> {
  const byName = new Map(functions.map((fn) => [fn.name, fn]));

  for (const fn of functions) {
    const runtime = fn.annotations[RUNTIME_ANNOTATION] ?? '';
    if (runtime !== '' && runtime !== RUNTIME_DOCKER && runtime !== RUNTIME_DEVELOPMENT) {
      throw new RenderError(
        `${fn.source}: unsupported "${RUNTIME_ANNOTATION}" annotation value "${runtime}" ` +
          `(unknown runtime) on Function "${fn.name}", expected ${RUNTIME_DEVELOPMENT} or ${RUNTIME_DOCKER}`,
      );
    }
  }

  for (const name of addresses.keys()) {
    if (!byName.has(name)) {
      throw new RenderError(
        `--function-address names Function "${name}", which is not in the functions file ` +
          `(Functions: ${[...byName.keys()].join(', ') || 'none'})`,
      );
    }
  }

  const targets = new Map<string, string>();
  for (const step of pipeline) {
    const fn = byName.get(step.functionName);
    if (fn === undefined) {
      throw new RenderError(
        `pipeline step "${step.step}" uses Function "${step.functionName}", ` +
          'which is not in the functions file',
      );
    }
    targets.set(fn.name, targetOf(fn, addresses));
  }
  return targets;
}

function targetOf(fn: FunctionPackage, addresses: ReadonlyMap<string, string>): string {
  const override = addresses.get(fn.name);
  if (override !== undefined) {
    return override;
  }

  const runtime = fn.annotations[RUNTIME_ANNOTATION] ?? '';
  if (runtime === RUNTIME_DEVELOPMENT) {
    const target = fn.annotations[DEVELOPMENT_TARGET_ANNOTATION] ?? '';
    return target === '' ? DEFAULT_DEVELOPMENT_TARGET : target;
  }

  throw new RenderError(
    `Function "${fn.name}" uses the ${RUNTIME_DOCKER} runtime` +
      `${runtime === '' ? ' (the default)' : ''}, which this render command cannot run ` +
      'because it does not use Docker. Start the function yourself with --insecure, then ' +
      `annotate it ${RUNTIME_ANNOTATION}: ${RUNTIME_DEVELOPMENT} (dialled at ` +
      `${DEFAULT_DEVELOPMENT_TARGET} unless ${DEVELOPMENT_TARGET_ANNOTATION} says otherwise), ` +
      `or pass --function-address ${fn.name}=HOST:PORT`,
  );
}

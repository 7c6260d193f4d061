import { Severity } from '@crossplane-org/function-sdk-typescript';
import type {
  RunFunctionRequest,
  RunFunctionResponse,
} from '@crossplane-org/function-sdk-typescript';
import { errorFields } from './log.js';
import type { Logger } from './log.js';

/** The composition handler's shape, as `runFunction` in function.ts implements it. */
export type Handler = (req: RunFunctionRequest, log: Logger) => Promise<RunFunctionResponse>;

/** Identifiers of the observed composite resource (XR), for logs and messages. */
export interface CompositeIds {
  apiVersion?: string;
  kind?: string;
  namespace?: string;
  name?: string;
}

/** Reads the XR's identifiers from the request. Fields absent from the request stay unset. */
export function compositeIds(req: RunFunctionRequest): CompositeIds {
  const xr: unknown = req.observed?.composite?.resource;
  if (!isRecord(xr)) {
    return {};
  }
  const metadata = isRecord(xr.metadata) ? xr.metadata : {};

  const ids: CompositeIds = {};
  if (typeof xr.apiVersion === 'string') ids.apiVersion = xr.apiVersion;
  if (typeof xr.kind === 'string') ids.kind = xr.kind;
  if (typeof metadata.namespace === 'string') ids.namespace = metadata.namespace;
  if (typeof metadata.name === 'string') ids.name = metadata.name;
  return ids;
}

/** Formats the XR for a message, for example `XCluster team-a/prod (example.org/v1)`. */
export function describeComposite(ids: CompositeIds): string {
  if (ids.name === undefined) {
    return 'the composite resource (the request has no observed XR name)';
  }
  const kind = ids.kind ?? 'composite resource';
  const name = ids.namespace ? `${ids.namespace}/${ids.name}` : ids.name;
  const group = ids.apiVersion ? ` (${ids.apiVersion})` : '';
  return `${kind} ${name}${group}`;
}

/**
 * Builds a response that only carries a Fatal result and the request's tag.
 *
 * It has no desired state because Crossplane applies nothing after a Fatal
 * result, and because a copy of a large request could exceed the message limit.
 */
export function fatalResponse(
  req: RunFunctionRequest,
  message: string,
  reason = 'InternalError',
): RunFunctionResponse {
  return {
    meta: { tag: req.meta?.tag ?? '' },
    desired: undefined,
    results: [{ severity: Severity.SEVERITY_FATAL, reason, message }],
    context: undefined,
    requirements: undefined,
    conditions: [],
  };
}

/**
 * Runs the handler for one call and always returns a response.
 *
 * A throw or a rejected promise becomes a Fatal result that names the XR,
 * instead of a gRPC error, so Crossplane stops the pipeline and shows the
 * message on the XR like any other Fatal result. The response's meta.tag is
 * set to the request's, which Crossplane requires.
 */
export async function runHandler(
  handler: Handler,
  req: RunFunctionRequest,
  log: Logger,
): Promise<RunFunctionResponse> {
  let rsp: RunFunctionResponse;
  try {
    rsp = await handler(req, log);
  } catch (err) {
    log.error({ error: errorFields(err) }, 'handler failed, returning a Fatal result');
    return fatalResponse(req, internalErrorMessage(req, errorMessage(err)));
  }

  // The type promises a response, but a plain-JavaScript slip in the handler
  // must not reach grpc-js as an encoding error.
  if (!isRecord(rsp)) {
    log.error('handler returned no response, returning a Fatal result');
    return fatalResponse(req, internalErrorMessage(req, 'the handler returned no response'));
  }

  // Replace meta only when the tag differs, so that an encoding the handler
  // measured stays usable (see takeMeasuredEncoding in codec.ts).
  const tag = req.meta?.tag ?? '';
  if (rsp.meta?.tag !== tag) {
    rsp.meta = { ...rsp.meta, tag };
  }
  return rsp;
}

/** Formats the message of a Fatal result for a failure inside this function. */
export function internalErrorMessage(req: RunFunctionRequest, cause: string): string {
  return `internal error in function-remote-eks while composing ${describeComposite(compositeIds(req))}: ${cause}`;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

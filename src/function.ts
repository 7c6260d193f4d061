import type { Logger } from 'pino';
import { to } from '@crossplane-org/function-sdk-typescript';
import type {
  RunFunctionRequest,
  RunFunctionResponse,
} from '@crossplane-org/function-sdk-typescript';

/**
 * Compose the desired state for one RunFunction call.
 *
 * Placeholder until the composition logic lands: it passes desired state
 * through unchanged.
 */
export async function runFunction(
  req: RunFunctionRequest,
  _log: Logger,
): Promise<RunFunctionResponse> {
  return to(req);
}

import {
  Ready,
  Status,
  type RunFunctionRequest,
  type RunFunctionResponse,
} from '@crossplane-org/function-sdk-typescript';
import { pino } from 'pino';
import { runFunction } from '../../src/function.js';

export const silentLogger = pino({ level: 'silent' });

/** What a test usually wants from a response, as plain values. */
export interface Outcome {
  rsp: RunFunctionResponse;
  fatal?: string;
  /** Desired composed resources by key. */
  resources: Record<string, Record<string, unknown>>;
  ready: Record<string, Ready>;
  status: Record<string, unknown>;
  compositeReady: Ready;
  conditions: Record<
    string,
    { status: 'True' | 'False' | 'Unknown'; reason: string; message: string }
  >;
}

export async function run(req: RunFunctionRequest): Promise<Outcome> {
  const rsp = await runFunction(req, silentLogger);
  const resources: Outcome['resources'] = {};
  const ready: Outcome['ready'] = {};
  for (const [key, value] of Object.entries(rsp.desired?.resources ?? {})) {
    resources[key] = value.resource as Record<string, unknown>;
    ready[key] = value.ready;
  }
  const conditions: Outcome['conditions'] = {};
  for (const c of rsp.conditions) {
    conditions[c.type] = {
      status:
        c.status === Status.STATUS_CONDITION_TRUE
          ? 'True'
          : c.status === Status.STATUS_CONDITION_FALSE
            ? 'False'
            : 'Unknown',
      reason: c.reason,
      message: c.message ?? '',
    };
  }
  const outcome: Outcome = {
    rsp,
    resources,
    ready,
    status: ((rsp.desired?.composite?.resource as Record<string, unknown> | undefined)?.status ??
      {}) as Record<string, unknown>,
    compositeReady: rsp.desired?.composite?.ready ?? Ready.READY_UNSPECIFIED,
    conditions,
  };
  const fatal = rsp.results.find((r) => r.severity === 1);
  if (fatal !== undefined) outcome.fatal = fatal.message;
  return outcome;
}

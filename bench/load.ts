/**
 * A closed-loop gRPC load generator that sends pre-encoded RunFunction
 * requests and never decodes responses, so that the client's own protobuf
 * work does not count against the server.
 */
import * as grpc from '@grpc/grpc-js';
import { FunctionRunnerServiceService } from '@crossplane-org/function-sdk-typescript';

const RUN_FUNCTION_PATH = FunctionRunnerServiceService.runFunction.path;

/** Per-call deadline, so that a hung server fails the run instead of stalling it. */
const CALL_DEADLINE_MS = 60_000;

function passThrough(bytes: Buffer): Buffer {
  return bytes;
}

function byteLength(bytes: Buffer): number {
  return bytes.length;
}

/** A gRPC client that sends request bytes as they are and returns the response size or bytes. */
export class RawRunFunctionClient {
  private readonly client: grpc.Client;

  constructor(address: string) {
    this.client = new grpc.Client(address, grpc.credentials.createInsecure(), {
      // The SDK server's responses can exceed grpc-js's 4 MiB receive default.
      'grpc.max_receive_message_length': -1,
      'grpc.max_send_message_length': -1,
      // Retry connecting every 5 to 20 ms while a server starts, instead of
      // grpc-js's default backoff from 1 s, so that startup time is measured
      // to within about 25 ms (20 ms plus grpc-js's 20% jitter).
      'grpc.initial_reconnect_backoff_ms': 5,
      'grpc.max_reconnect_backoff_ms': 20,
    });
  }

  /**
   * Send one RunFunction request and resolve to the response size in bytes.
   * With `waitForReady`, the call waits for the connection instead of failing
   * while the server is not yet listening.
   */
  call(request: Buffer, waitForReady = false, deadlineMs = CALL_DEADLINE_MS): Promise<number> {
    return this.unaryCall(request, byteLength, waitForReady, deadlineMs);
  }

  /** Send one RunFunction request and resolve to the encoded response. */
  callForResponse(request: Buffer): Promise<Buffer> {
    return this.unaryCall(request, passThrough, false, CALL_DEADLINE_MS);
  }

  private unaryCall<T>(
    request: Buffer,
    deserialize: (bytes: Buffer) => T,
    waitForReady: boolean,
    deadlineMs: number,
  ): Promise<T> {
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest(
        RUN_FUNCTION_PATH,
        passThrough,
        deserialize,
        request,
        new grpc.Metadata({ waitForReady }),
        { deadline: Date.now() + deadlineMs },
        (error, response) => {
          if (error) {
            reject(error);
          } else if (response === undefined) {
            reject(new Error('RunFunction call returned no response and no error'));
          } else {
            resolve(response);
          }
        },
      );
    });
  }

  close(): void {
    this.client.close();
  }
}

/** Settings of one load phase. */
export interface LoadPhase {
  /** Number of calls in flight at any time. */
  concurrency: number;
  /** No call starts after this many milliseconds. Calls in flight then complete. */
  durationMs: number;
  /** Maximum number of calls in the phase, whatever the duration. */
  maxRequests: number;
}

/** Raw figures of one load phase. */
export interface LoadSample {
  /** Latency of each completed call, in ms, in completion order. */
  latenciesMs: number[];
  /** From the start of the phase to the completion of its last call. */
  elapsedSeconds: number;
  /** Size of the last response, in bytes. */
  responseBytes: number;
  /** CPU time of the load generator process during the phase, in seconds. */
  clientCpuSeconds: number;
}

/** Figures of one or more load phases against the same server. */
export interface LoadSummary {
  requests: number;
  elapsedSeconds: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  responseBytes: number;
  clientCpuSeconds: number;
}

/**
 * Return the value at quantile `q` (0 to 1) of ascending `sorted`, by the
 * nearest-rank method.
 */
export function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) {
    return Number.NaN;
  }
  const rank = Math.ceil(q * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] ?? Number.NaN;
}

/**
 * Run `phase.concurrency` workers that each send `request` in a loop, one call
 * at a time, until the phase's duration or request count is reached. Every
 * worker sends at least one request. A failed call rejects the phase.
 */
export async function runLoadPhase(
  client: RawRunFunctionClient,
  request: Buffer,
  phase: LoadPhase,
): Promise<LoadSample> {
  if (phase.concurrency < 1 || phase.maxRequests < phase.concurrency) {
    throw new RangeError(
      `invalid load phase: concurrency ${phase.concurrency}, maxRequests ${phase.maxRequests}`,
    );
  }
  const latenciesMs: number[] = [];
  let started = 0;
  let responseBytes = 0;

  const cpuAtStart = process.cpuUsage();
  const startNs = process.hrtime.bigint();
  const endNs = startNs + BigInt(Math.round(phase.durationMs * 1e6));

  const worker = async (): Promise<void> => {
    do {
      started++;
      const callStartNs = process.hrtime.bigint();
      responseBytes = await client.call(request);
      latenciesMs.push(Number(process.hrtime.bigint() - callStartNs) / 1e6);
    } while (process.hrtime.bigint() < endNs && started < phase.maxRequests);
  };
  await Promise.all(Array.from({ length: phase.concurrency }, worker));

  const cpu = process.cpuUsage(cpuAtStart);
  return {
    latenciesMs,
    elapsedSeconds: Number(process.hrtime.bigint() - startNs) / 1e9,
    responseBytes,
    clientCpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
}

/** Combine the samples of one server into throughput and latency percentiles. */
export function summarizeLoad(samples: LoadSample[]): LoadSummary {
  const sorted = Float64Array.from(samples.flatMap((sample) => sample.latenciesMs)).sort();
  const elapsedSeconds = samples.reduce((sum, sample) => sum + sample.elapsedSeconds, 0);
  return {
    requests: sorted.length,
    elapsedSeconds,
    requestsPerSecond: sorted.length / elapsedSeconds,
    p50Ms: quantile(sorted, 0.5),
    p99Ms: quantile(sorted, 0.99),
    responseBytes: samples.at(-1)?.responseBytes ?? 0,
    clientCpuSeconds: samples.reduce((sum, sample) => sum + sample.clientCpuSeconds, 0),
  };
}

import * as grpc from '@grpc/grpc-js';
import {
  FunctionRunnerServiceService,
  RunFunctionResponse,
} from '@crossplane-org/function-sdk-typescript';
import type { RunFunctionRequest } from '@crossplane-org/function-sdk-typescript';

/** A stand-in for a remote Function: a gRPC server that returns canned responses. */
export interface FunctionDouble {
  /** The address it listens on, 127.0.0.1:PORT. */
  address: string;
  /** Every request received, in order. */
  requests: RunFunctionRequest[];
  /** Stops the server at once, cancelling calls in progress. */
  stop(): Promise<void>;
}

/** Builds the response to one call; `call` counts from 0. */
export type Responder = (
  request: RunFunctionRequest,
  call: number,
) => RunFunctionResponse | Promise<RunFunctionResponse>;

/** Options for {@link startFunctionDouble}. */
export interface FunctionDoubleOptions {
  /**
   * The protocol version to serve: v1, or only v1beta1 like Functions built
   * with older SDKs. The messages are the same on the wire.
   */
  version?: 'v1' | 'v1beta1';
}

/**
 * Starts an in-process gRPC server on a free 127.0.0.1 port that serves the
 * FunctionRunnerService with the given responder. It plays the remote
 * Function in tests of the render CLI, for cases such as a Fatal result that
 * the real function does not produce on demand.
 */
export async function startFunctionDouble(
  respond: Responder,
  options: FunctionDoubleOptions = {},
): Promise<FunctionDouble> {
  const server = new grpc.Server();
  const requests: RunFunctionRequest[] = [];

  const service =
    options.version === 'v1beta1'
      ? {
          runFunction: {
            ...FunctionRunnerServiceService.runFunction,
            path: '/apiextensions.fn.proto.v1beta1.FunctionRunnerService/RunFunction',
          },
        }
      : FunctionRunnerServiceService;

  server.addService(service, {
    runFunction: (
      call: grpc.ServerUnaryCall<RunFunctionRequest, RunFunctionResponse>,
      callback: grpc.sendUnaryData<RunFunctionResponse>,
    ) => {
      requests.push(call.request);
      Promise.resolve(respond(call.request, requests.length - 1)).then(
        (reply) => callback(null, reply),
        (error: unknown) => callback(error as grpc.ServiceError),
      );
    },
  });

  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error === null ? resolve(bound) : reject(error),
    );
  });

  return {
    address: `127.0.0.1:${port}`,
    requests,
    // Calls still waiting for a slow responder are cancelled, not awaited.
    stop: async () => server.forceShutdown(),
  };
}

type DeepPartial<T> = T extends Buffer
  ? T
  : T extends (infer Item)[]
    ? DeepPartial<Item>[]
    : T extends object
      ? { [Key in keyof T]?: DeepPartial<T[Key]> }
      : T;

/** The fields of a RunFunctionResponse that a test sets; the rest take defaults. */
export type ResponseFields = DeepPartial<RunFunctionResponse>;

/** Builds a complete response from the fields a test cares about. */
export function response(fields: ResponseFields): RunFunctionResponse {
  return RunFunctionResponse.fromPartial(fields);
}

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
  stop(): Promise<void>;
}

/** Builds the response to one call; `call` counts from 0. */
export type Responder = (request: RunFunctionRequest, call: number) => RunFunctionResponse;

/**
 * Starts an in-process gRPC server on a free 127.0.0.1 port that serves the
 * SDK's FunctionRunnerService with the given responder. It plays the remote
 * Function in tests of the render CLI, for cases such as a Fatal result that
 * the real function does not produce on demand.
 */
export async function startFunctionDouble(respond: Responder): Promise<FunctionDouble> {
  const server = new grpc.Server();
  const requests: RunFunctionRequest[] = [];

  server.addService(FunctionRunnerServiceService, {
    runFunction: (
      call: grpc.ServerUnaryCall<RunFunctionRequest, RunFunctionResponse>,
      callback: grpc.sendUnaryData<RunFunctionResponse>,
    ) => {
      requests.push(call.request);
      callback(null, respond(call.request, requests.length - 1));
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
    stop: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
      }),
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

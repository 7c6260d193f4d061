import * as grpc from '@grpc/grpc-js';
import { FunctionRunnerServiceService } from '@crossplane-org/function-sdk-typescript';
import type {
  RunFunctionRequest,
  RunFunctionResponse,
} from '@crossplane-org/function-sdk-typescript';

export interface FunctionClient {
  /** Calls RunFunction. Rejects with the grpc-js ServiceError on a non-OK status. */
  run(req: RunFunctionRequest, timeoutMs?: number): Promise<RunFunctionResponse>;
  close(): void;
}

/** Options that raise the client's limits so that tests exercise the server's limits. */
const UNLIMITED: grpc.ClientOptions = {
  'grpc.max_receive_message_length': -1,
  'grpc.max_send_message_length': -1,
};

/** Connects a RunFunction client, in plaintext unless `credentials` are given. */
export function connectClient(
  address: string,
  credentials: grpc.ChannelCredentials = grpc.credentials.createInsecure(),
  options: grpc.ClientOptions = {},
): FunctionClient {
  // The SDK 0.7.0 generates a FunctionRunnerServiceClient but does not export
  // it from its package root, and its package exports block a deep import, so
  // a plain grpc-js client calls the method through the SDK's service definition.
  const client = new grpc.Client(address, credentials, {
    ...UNLIMITED,
    ...options,
  });

  return {
    run(req, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        client.makeUnaryRequest(
          FunctionRunnerServiceService.runFunction.path,
          FunctionRunnerServiceService.runFunction.requestSerialize,
          FunctionRunnerServiceService.runFunction.responseDeserialize,
          req,
          new grpc.Metadata(),
          { deadline: Date.now() + timeoutMs },
          (err, rsp) => {
            if (err) {
              reject(err);
            } else if (!rsp) {
              reject(new Error('RunFunction returned neither a response nor an error'));
            } else {
              resolve(rsp);
            }
          },
        );
      });
    },
    close() {
      client.close();
    },
  };
}

/** Mutual TLS client credentials; pass no key pair to connect without a client certificate. */
export function tlsCredentials(
  ca: Buffer,
  clientKeyPair?: { key: Buffer; cert: Buffer },
): grpc.ChannelCredentials {
  return grpc.credentials.createSsl(ca, clientKeyPair?.key ?? null, clientKeyPair?.cert ?? null);
}

import * as grpc from '@grpc/grpc-js';
import { FunctionRunnerServiceService } from '@crossplane-org/function-sdk-typescript';
import type {
  RunFunctionRequest,
  RunFunctionResponse,
} from '@crossplane-org/function-sdk-typescript';
import { RenderError } from './errors.js';
import type { FunctionRunner } from './pipeline.js';

const RUN_FUNCTION = FunctionRunnerServiceService.runFunction;

// Functions built with older SDKs serve only the v1beta1 service. Its
// messages are identical to v1 on the wire, so Crossplane retries there when
// v1 is unimplemented, and so does this client.
const RUN_FUNCTION_V1BETA1_PATH =
  '/apiextensions.fn.proto.v1beta1.FunctionRunnerService/RunFunction';

/**
 * Calls Functions over plaintext gRPC, one connection per Function, with one
 * deadline for the whole render.
 *
 * Unlike crossplane render, which waits for a Function to become reachable
 * (it may be a container still starting), calls fail at once when nothing
 * listens at the target: this command only dials Functions that are already
 * running. The receive limit stays at gRPC's 4 MiB default, as in Crossplane.
 */
export class GrpcFunctionRunner implements FunctionRunner {
  private readonly clients = new Map<string, grpc.Client>();

  /**
   * @param targets - gRPC target of each Function, by name.
   * @param deadline - When every call must have finished.
   * @param timeout - The --timeout value, for error messages.
   */
  constructor(
    private readonly targets: ReadonlyMap<string, string>,
    private readonly deadline: Date,
    private readonly timeout: string,
  ) {}

  async runFunction(
    functionName: string,
    request: RunFunctionRequest,
  ): Promise<RunFunctionResponse> {
    const target = this.targets.get(functionName);
    if (target === undefined) {
      throw new RenderError(`no gRPC target is known for Function "${functionName}"`);
    }
    const client = this.clientFor(functionName, target);

    try {
      return await this.call(client, RUN_FUNCTION.path, request);
    } catch (error) {
      if (!isServiceError(error) || error.code !== grpc.status.UNIMPLEMENTED) {
        throw this.describe(functionName, target, error);
      }
    }

    try {
      return await this.call(client, RUN_FUNCTION_V1BETA1_PATH, request);
    } catch (error) {
      throw this.describe(functionName, target, error);
    }
  }

  /** Closes every connection. Calls made afterwards fail. */
  close(): void {
    for (const client of this.clients.values()) {
      client.close();
    }
    this.clients.clear();
  }

  private clientFor(functionName: string, target: string): grpc.Client {
    let client = this.clients.get(functionName);
    if (client === undefined) {
      client = new grpc.Client(target, grpc.credentials.createInsecure());
      this.clients.set(functionName, client);
    }
    return client;
  }

  private call(
    client: grpc.Client,
    path: string,
    request: RunFunctionRequest,
  ): Promise<RunFunctionResponse> {
    return new Promise((resolve, reject) => {
      client.makeUnaryRequest(
        path,
        RUN_FUNCTION.requestSerialize,
        RUN_FUNCTION.responseDeserialize,
        request,
        new grpc.Metadata(),
        { deadline: this.deadline },
        (error, response) => {
          if (error !== null || response === undefined) {
            reject(error ?? new Error('the server returned no response'));
            return;
          }
          resolve(response);
        },
      );
    });
  }

  private describe(functionName: string, target: string, error: unknown): RenderError {
    const where = `Function "${functionName}" at "${target}"`;
    if (!isServiceError(error)) {
      return new RenderError(`cannot call ${where}: ${String(error)}`, { cause: error });
    }

    switch (error.code) {
      case grpc.status.UNAVAILABLE:
        return new RenderError(
          `cannot reach ${where}: ${trimDetails(error.details)}. Check that the function is ` +
            'running there in plaintext (started with --insecure)',
          { cause: error },
        );
      case grpc.status.DEADLINE_EXCEEDED:
        return new RenderError(
          `${where} did not respond before the --timeout of ${this.timeout} ran out`,
          { cause: error },
        );
      case grpc.status.UNIMPLEMENTED:
        return new RenderError(
          `${where} serves neither the v1 nor the v1beta1 FunctionRunnerService: ${error.details}`,
          { cause: error },
        );
      default:
        return new RenderError(
          `RunFunction on ${where} failed with gRPC status ${grpc.status[error.code]}: ${error.details}`,
          { cause: error },
        );
    }
  }
}

// grpc-js ends connection errors with "Resolution note: " even when it has no
// note to give.
function trimDetails(details: string): string {
  return details.replace(/\s*Resolution note:\s*$/, '').replace(/\.$/, '');
}

function isServiceError(error: unknown): error is grpc.ServiceError {
  return error instanceof Error && typeof (error as Partial<grpc.ServiceError>).code === 'number';
}

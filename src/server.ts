import * as grpc from '@grpc/grpc-js';
import {
  FunctionRunnerServiceService,
  RunFunctionRequest,
  type RunFunctionResponse,
} from '@crossplane-org/function-sdk-typescript';
import { performance } from 'node:perf_hooks';
import {
  decodeRunFunctionRequest,
  encodeRunFunctionResponse,
  takeMeasuredEncoding,
} from './codec.js';
import {
  compositeIds,
  describeComposite,
  fatalResponse,
  internalErrorMessage,
  runHandler,
} from './handler.js';
import type { Handler } from './handler.js';
import { errorFields } from './log.js';
import type { Logger } from './log.js';

// The protobuf codec of the RunFunction messages. The functions from here to
// encodeResponse and the service definition below are the only code here that
// serializes. codec.ts produces the same values and bytes as the SDK's
// generated code, in less time.

/**
 * A request the codec could not decode. The server returns a Fatal result
 * for it instead of grpc-js's opaque "Error deserializing request" status.
 */
class UndecodableRequest {
  constructor(
    /** meta.tag, read on its own so that the response can still copy it. */
    readonly tag: string,
    readonly cause: string,
  ) {}
}

function decodeRequest(bytes: Buffer): RunFunctionRequest | UndecodableRequest {
  try {
    return decodeRunFunctionRequest(bytes);
  } catch (err) {
    return new UndecodableRequest(
      readRequestTag(bytes),
      err instanceof Error ? err.message : String(err),
    );
  }
}

/**
 * Reads meta.tag (field 1) of an encoded RunFunctionRequest without decoding
 * the other fields. Returns '' when the bytes hold no readable meta.
 */
function readRequestTag(bytes: Uint8Array): string {
  let pos = 0;
  const readVarint = (): number => {
    let value = 0;
    for (let shift = 0; shift < 64; shift += 7) {
      const byte = bytes[pos++];
      if (byte === undefined) throw new RangeError('truncated varint');
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
    throw new RangeError('varint longer than 10 bytes');
  };
  try {
    while (pos < bytes.length) {
      const start = pos;
      const key = readVarint();
      const wireType = key % 8;
      if (wireType === 0) {
        readVarint();
      } else if (wireType === 1) {
        pos += 8;
      } else if (wireType === 5) {
        pos += 4;
      } else if (wireType === 2) {
        const length = readVarint();
        const end = pos + length;
        if (key === 0x0a) {
          return RunFunctionRequest.decode(bytes.subarray(start, end)).meta?.tag ?? '';
        }
        pos = end;
      } else {
        return '';
      }
    }
  } catch {
    // Bytes that do not even frame as protobuf have no tag to copy.
  }
  return '';
}

/** Builds the Fatal response to a request that could not be decoded, with a hint for the known cause. */
function undecodableResponse(req: UndecodableRequest): RunFunctionResponse {
  let message = `cannot decode the RunFunction request: ${req.cause}`;
  if (/nested deeper than/.test(req.cause)) {
    message +=
      '. Flatten the most deeply nested manifest in spec.objects, or resource of an earlier pipeline step';
  }
  return fatalResponse(
    RunFunctionRequest.fromPartial({ meta: { tag: req.tag } }),
    message,
    'RequestNotDecoded',
  );
}

function encodeResponse(rsp: RunFunctionResponse): Buffer {
  // The handler may have encoded this response already, to check its size.
  const bytes = takeMeasuredEncoding(rsp) ?? encodeRunFunctionResponse(rsp);
  // Wrap the encoder's bytes instead of copying them, because responses can be several MiB.
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * The FunctionRunnerService as this server registers it: the SDK's method
 * path, but the response travels as already encoded bytes, so its size can be
 * checked against the limit before grpc-js sends it.
 */
const functionRunnerService = {
  runFunction: {
    path: FunctionRunnerServiceService.runFunction.path,
    requestStream: false,
    responseStream: false,
    requestSerialize: FunctionRunnerServiceService.runFunction.requestSerialize,
    requestDeserialize: decodeRequest,
    responseSerialize: (encoded: Buffer): Buffer => encoded,
    responseDeserialize: FunctionRunnerServiceService.runFunction.responseDeserialize,
  },
} satisfies grpc.ServiceDefinition;

export type ShutdownOutcome = 'graceful' | 'forced';

export interface FunctionServerOptions {
  handler: Handler;
  logger: Logger;
  /** Maximum size in bytes of a request received and of a response sent. */
  maxMessageBytes: number;
}

/** A gRPC server that runs a composition handler for each RunFunction call. */
export class FunctionServer {
  private readonly server: grpc.Server;
  private readonly handler: Handler;
  private readonly logger: Logger;
  private readonly maxMessageBytes: number;
  private inFlight = 0;

  constructor(options: FunctionServerOptions) {
    this.handler = options.handler;
    this.logger = options.logger;
    this.maxMessageBytes = options.maxMessageBytes;

    this.server = new grpc.Server({
      'grpc.max_receive_message_length': options.maxMessageBytes,
      // NOTE: Crossplane's client keeps grpc-go's 4 MiB receive limit, so a
      // response over 4 MiB fails there even when this limit allows it.
      'grpc.max_send_message_length': options.maxMessageBytes,
    });
    this.server.addService(functionRunnerService, {
      runFunction: (
        call: grpc.ServerUnaryCall<RunFunctionRequest | UndecodableRequest, Buffer>,
        callback: grpc.sendUnaryData<Buffer>,
      ) => this.serveCall(call.request, callback),
    });
  }

  /** Number of calls whose handler has started and whose response is not yet encoded. */
  get inFlightCalls(): number {
    return this.inFlight;
  }

  /**
   * Binds the address and starts serving.
   *
   * @returns The bound address with the actual port, which differs from the
   *   requested one for port 0.
   * @throws BindError if the address cannot be bound.
   */
  listen(address: string, credentials: grpc.ServerCredentials): Promise<string> {
    return new Promise((resolve, reject) => {
      this.server.bindAsync(address, credentials, (err, port) => {
        if (err) {
          reject(new BindError(`cannot listen on ${address}: ${err.message}`));
          return;
        }
        resolve(boundAddress(address, port));
      });
    });
  }

  /**
   * Stops accepting calls and waits for in-flight calls to finish. After
   * `deadlineMs` it cancels those still running.
   */
  shutdown(deadlineMs: number): Promise<ShutdownOutcome> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.server.forceShutdown();
        resolve('forced');
      }, deadlineMs);
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve('graceful');
      });
    });
  }

  /** Cancels all calls and closes all connections at once. */
  forceShutdown(): void {
    this.server.forceShutdown();
  }

  private serveCall(
    req: RunFunctionRequest | UndecodableRequest,
    callback: grpc.sendUnaryData<Buffer>,
  ): void {
    if (req instanceof UndecodableRequest) {
      this.logger.error(
        { error: req.cause, tag: req.tag },
        'cannot decode the request, returning a Fatal result',
      );
      callback(null, encodeResponse(undecodableResponse(req)));
      return;
    }
    this.inFlight++;
    this.respond(req)
      .then((encoded) => callback(null, encoded))
      .catch((err: unknown) => {
        // respond() turns handler and encoding failures into Fatal results,
        // so this is reached only through a defect in this file.
        this.logger.error(
          { error: errorFields(err), tag: req.meta?.tag },
          'RunFunction call failed',
        );
        callback({ code: grpc.status.INTERNAL, details: 'internal error in function-remote-eks' });
      })
      .finally(() => {
        this.inFlight--;
      });
  }

  private async respond(req: RunFunctionRequest): Promise<Buffer> {
    const started = performance.now();
    const log = this.logger.child({ tag: req.meta?.tag ?? '', xr: compositeIds(req) });

    const rsp = await runHandler(this.handler, req, log);
    const encoded = this.encodeWithinLimit(req, rsp, log);

    log.debug(
      {
        durationMs: Math.round((performance.now() - started) * 10) / 10,
        responseBytes: encoded.length,
      },
      'RunFunction call finished',
    );
    return encoded;
  }

  /** Encodes the response, or a Fatal result if it cannot be encoded or is over the limit. */
  private encodeWithinLimit(
    req: RunFunctionRequest,
    rsp: RunFunctionResponse,
    log: Logger,
  ): Buffer {
    let encoded: Buffer;
    try {
      encoded = encodeResponse(rsp);
    } catch (err) {
      log.error(
        { error: errorFields(err) },
        'cannot encode the handler response, returning a Fatal result',
      );
      const cause = `cannot encode the response: ${err instanceof Error ? err.message : String(err)}`;
      return encodeResponse(fatalResponse(req, internalErrorMessage(req, cause)));
    }

    if (encoded.length > this.maxMessageBytes) {
      log.error(
        { responseBytes: encoded.length, maxMessageBytes: this.maxMessageBytes },
        'response exceeds the message size limit, returning a Fatal result',
      );
      const message =
        `the response for ${describeComposite(compositeIds(req))} is ${formatMiB(encoded.length)}, ` +
        `over the ${formatMiB(this.maxMessageBytes)} limit set by --max-recv-message-size`;
      return encodeResponse(fatalResponse(req, message));
    }

    return encoded;
  }
}

/** Binding the listen address failed, for example because the port is in use. */
export class BindError extends Error {
  override name = 'BindError';
}

/** Replaces the port in `host:port` with the port grpc-js bound. */
function boundAddress(requested: string, port: number): string {
  const match = /^(.+):\d+$/.exec(requested);
  return match ? `${match[1]}:${port}` : requested;
}

function formatMiB(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

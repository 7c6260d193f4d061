import {
  FunctionRunnerServiceService,
  RunFunctionRequest,
  RunFunctionResponse,
} from '@crossplane-org/function-sdk-typescript';
import { connect } from 'node:http2';
import type { ClientHttp2Session, IncomingHttpHeaders } from 'node:http2';

export interface RawCallResult {
  /** The grpc-status trailer, "0" for OK. */
  status: string | undefined;
  response: RunFunctionResponse | undefined;
  /** Stream error, for example when the server cancels the call. */
  error: Error | undefined;
}

/** A RunFunction call whose request message is sent in two parts. */
export interface RawCall {
  /** Sends the rest of the request message and ends the request stream. */
  finish(): void;
  /** Resolves when the stream closes, whether the call succeeded or not. */
  result: Promise<RawCallResult>;
}

/**
 * Opens a plaintext HTTP/2 session to the server. Session errors, such as the
 * GOAWAY a forced shutdown sends, are ignored here because each call's result
 * reports them.
 */
export function connectSession(address: string): ClientHttp2Session {
  const session = connect(`http://${address}`);
  session.on('error', () => undefined);
  return session;
}

/** Frames a message as gRPC sends it: a compression flag, a 4-byte length, the bytes. */
function frame(message: Uint8Array): Buffer {
  const prefix = Buffer.alloc(5);
  prefix.writeUInt8(0, 0);
  prefix.writeUInt32BE(message.byteLength, 1);
  return Buffer.concat([prefix, message]);
}

/**
 * Starts a RunFunction call over a plain HTTP/2 session and sends only the
 * first half of the request, so the call stays in flight on the server until
 * finish() is called. grpc-js clients send a unary request in one piece, which
 * gives a test no such control.
 */
export function startRawCall(session: ClientHttp2Session, req: RunFunctionRequest): RawCall {
  const bytes = frame(RunFunctionRequest.encode(req).finish());
  const half = Math.floor(bytes.length / 2);

  const stream = session.request({
    ':method': 'POST',
    ':path': FunctionRunnerServiceService.runFunction.path,
    'content-type': 'application/grpc',
    te: 'trailers',
  });
  stream.write(bytes.subarray(0, half));

  const result = new Promise<RawCallResult>((resolve) => {
    const chunks: Buffer[] = [];
    let status: string | undefined;
    let error: Error | undefined;
    const readStatus = (headers: IncomingHttpHeaders) => {
      const value = headers['grpc-status'];
      if (typeof value === 'string') {
        status = value;
      }
    };

    // A call that fails before any response is "trailers-only": the status
    // comes with the response headers.
    stream.on('response', readStatus);
    stream.on('trailers', readStatus);
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('error', (err) => {
      error = err;
    });
    stream.on('close', () => {
      const body = Buffer.concat(chunks);
      const response = body.length >= 5 ? RunFunctionResponse.decode(body.subarray(5)) : undefined;
      resolve({ status, response, error });
    });
  });

  return {
    finish: () => {
      stream.end(bytes.subarray(half));
    },
    result,
  };
}

/**
 * Sends one RunFunction call for the bundled example to a running function
 * and checks the response, printing one line per check.
 *
 *   smoke-client --address HOST:PORT [--ca FILE --cert FILE --key FILE]
 *       [--expect-rejected] [--label TEXT]
 *
 * The request is what Crossplane sends to the first pipeline step:
 * examples/xr.yaml as the observed composite resource, the step's input from
 * examples/composition.yaml, empty desired state and an empty context. With
 * --ca the call uses TLS, and with --cert and --key it also presents a client
 * certificate. With --expect-rejected the call must fail, which tests that
 * the server requires a client certificate. Exits 1 when a check fails.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import {
  FunctionRunnerServiceService,
  RunFunctionRequest,
  type RunFunctionResponse,
  Severity,
} from '@crossplane-org/function-sdk-typescript';
import { field, parseYamlStream } from './package-stream.js';

/** Time allowed for the server to accept a connection and respond, in milliseconds. */
const DEADLINE_MS = 30_000;

/**
 * Time allowed for a call that is expected to fail, in milliseconds. A
 * rejected TLS handshake looks like a server that is not up yet, so the
 * client can only wait this long and then report the rejection.
 */
const REJECTION_DEADLINE_MS = 5_000;

type RunFunctionCallback = (
  error: grpc.ServiceError | null,
  response?: RunFunctionResponse,
) => void;

interface FunctionRunnerClient extends grpc.Client {
  runFunction(
    request: RunFunctionRequest,
    options: grpc.CallOptions,
    callback: RunFunctionCallback,
  ): grpc.ClientUnaryCall;
}

/**
 * The SDK exports the service definition but not its generated client, so
 * the client class is built from the definition, as the generated one is.
 */
const FunctionRunnerClientClass = grpc.makeClientConstructor(
  FunctionRunnerServiceService as unknown as grpc.ServiceDefinition,
  'FunctionRunnerService',
) as unknown as new (
  address: string,
  credentials: grpc.ChannelCredentials,
  options?: grpc.ChannelOptions,
) => FunctionRunnerClient;

function readObject(path: string): Record<string, unknown> {
  const [object] = parseYamlStream(readFileSync(path, 'utf8'), path);
  if (!object) {
    throw new Error(`${path} contains no YAML object`);
  }
  return object;
}

/** Build the request that Crossplane sends to the Composition's first step. */
export function exampleRequest(tag: string): RunFunctionRequest {
  const xr = readObject('examples/xr.yaml');
  const composition = readObject('examples/composition.yaml');
  const pipeline = field(composition, 'spec', 'pipeline');
  const input = Array.isArray(pipeline) ? field(pipeline[0], 'input') : undefined;
  if (typeof input !== 'object' || input === null) {
    throw new Error('examples/composition.yaml has no input in spec.pipeline[0]');
  }
  return RunFunctionRequest.fromPartial({
    meta: { tag },
    observed: { composite: { resource: xr } },
    desired: {},
    input: input as Record<string, unknown>,
    context: {},
  });
}

function credentials(values: {
  ca?: string;
  cert?: string;
  key?: string;
}): grpc.ChannelCredentials {
  if (!values.ca) {
    return grpc.credentials.createInsecure();
  }
  const ca = readFileSync(values.ca);
  const key = values.key ? readFileSync(values.key) : null;
  const cert = values.cert ? readFileSync(values.cert) : null;
  return grpc.credentials.createSsl(ca, key, cert);
}

function waitForReady(client: FunctionRunnerClient, deadline: Date): Promise<void> {
  return new Promise((resolve, reject) => {
    client.waitForReady(deadline, (error) => (error ? reject(error) : resolve()));
  });
}

async function call(
  client: FunctionRunnerClient,
  request: RunFunctionRequest,
  timeoutMs: number,
): Promise<RunFunctionResponse> {
  const deadline = new Date(Date.now() + timeoutMs);
  // Connection attempts are retried until the deadline, because the
  // container may still be starting when the client runs.
  await waitForReady(client, deadline);
  return new Promise((resolve, reject) => {
    client.runFunction(request, { deadline }, (error, response) => {
      if (error) {
        reject(error);
      } else if (!response) {
        reject(new Error('RunFunction returned neither a response nor an error'));
      } else {
        resolve(response);
      }
    });
  });
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      address: { type: 'string' },
      ca: { type: 'string' },
      cert: { type: 'string' },
      key: { type: 'string' },
      label: { type: 'string', default: 'smoke' },
      'expect-rejected': { type: 'boolean', default: false },
    },
  });
  if (!values.address) {
    console.error('smoke-client: missing required option --address HOST:PORT');
    return 2;
  }
  const label = values.label ?? 'smoke';
  const tag = `smoke-${randomUUID()}`;
  // The client dials an IP address, and TLS server names may not be IP
  // addresses (RFC 6066), so the name checked against the certificate is
  // localhost, which the smoke certificate also carries.
  const channelOptions: grpc.ChannelOptions = values.ca
    ? { 'grpc.ssl_target_name_override': 'localhost' }
    : {};
  const client = new FunctionRunnerClientClass(values.address, credentials(values), channelOptions);
  const results: boolean[] = [];
  const report = (ok: boolean, message: string): void => {
    results.push(ok);
    console.log(`${ok ? 'PASS' : 'FAIL'}  ${label}: ${message}`);
  };

  try {
    const response = await call(
      client,
      exampleRequest(tag),
      values['expect-rejected'] ? REJECTION_DEADLINE_MS : DEADLINE_MS,
    );
    if (values['expect-rejected']) {
      report(false, `RunFunction to ${values.address} was rejected: it succeeded instead`);
      return 1;
    }
    report(true, `RunFunction to ${values.address} returned a response`);
    report(
      response.meta?.tag === tag,
      `response meta.tag echoes the request tag: ${response.meta?.tag ?? '<none>'}`,
    );
    const fatal = response.results.filter((result) => result.severity === Severity.SEVERITY_FATAL);
    report(
      fatal.length === 0,
      `response has no Fatal results: ${fatal.map((result) => result.message).join('; ') || 'none'}`,
    );
    const composed = Object.keys(response.desired?.resources ?? {});
    console.log(
      `      ${label}: desired composed resources [${composed.join(', ')}], ${response.results.length} results`,
    );
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    report(
      values['expect-rejected'],
      `RunFunction to ${values.address} ${values['expect-rejected'] ? 'was rejected' : 'failed'}: ${message}`,
    );
  } finally {
    client.close();
  }
  return results.every(Boolean) ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`smoke-client: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);

// These cases need a handler that misbehaves, which the real handler in
// src/function.ts cannot be made to do from a request. So they construct the
// server in this process with a stand-in handler, and call it over gRPC on
// 127.0.0.1 like the other suites.
import * as grpc from '@grpc/grpc-js';
import { Severity, to } from '@crossplane-org/function-sdk-typescript';
import type { RunFunctionResponse } from '@crossplane-org/function-sdk-typescript';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { Handler } from '../src/handler.js';
import { createLogger } from '../src/log.js';
import { FunctionServer } from '../src/server.js';
import { connectClient } from './support/client.js';
import type { FunctionClient } from './support/client.js';
import { remoteClusterRequest, SECRET_VALUE_BASE64 } from './support/requests.js';

const MIB = 1024 * 1024;

interface Running {
  server: FunctionServer;
  client: FunctionClient;
  logs: () => Record<string, unknown>[];
}

let running: Running | undefined;

afterEach(async () => {
  running?.client.close();
  await running?.server.shutdown(1_000);
  running = undefined;
});

/** Starts an in-process server with the handler and a logger that records JSON lines. */
async function serve(handler: Handler, maxMessageBytes = 4 * MIB): Promise<Running> {
  let output = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      output += chunk.toString();
      done();
    },
  });
  const logger = createLogger(true, sink);

  const server = new FunctionServer({ handler, logger, maxMessageBytes });
  const address = await server.listen('127.0.0.1:0', grpc.ServerCredentials.createInsecure());
  running = {
    server,
    client: connectClient(address),
    logs: () =>
      output
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
  return running;
}

describe('handler failures', () => {
  const cases: { reason: string; handler: Handler; cause: string }[] = [
    {
      reason: 'a synchronous throw',
      handler: () => {
        throw new Error('cluster region is missing');
      },
      cause: 'cluster region is missing',
    },
    {
      reason: 'a rejected promise',
      handler: async () => Promise.reject(new Error('cannot build the Object')),
      cause: 'cannot build the Object',
    },
    {
      reason: 'a thrown value that is not an Error',
      handler: async () => {
        throw 'plain string';
      },
      cause: 'plain string',
    },
    {
      reason: 'a handler that resolves to nothing',
      handler: async () => undefined as unknown as RunFunctionResponse,
      cause: 'the handler returned no response',
    },
    {
      reason: 'a response that protobuf cannot encode',
      handler: async (req) => {
        const rsp = to(req);
        rsp.desired = {
          composite: undefined,
          resources: {
            broken: { resource: { count: 10n }, connectionDetails: {}, ready: 0 },
          },
        };
        return rsp;
      },
      cause: 'cannot encode the response',
    },
  ];

  it.each(cases)('returns a Fatal result for $reason', async ({ handler, cause }) => {
    const { client, logs } = await serve(handler);

    const rsp = await client.run(remoteClusterRequest({ tag: 'failing-tag', xrName: 'broken' }));

    expect(rsp.meta?.tag).toBe('failing-tag');
    expect(rsp.results).toHaveLength(1);
    expect(rsp.results[0]?.severity).toBe(Severity.SEVERITY_FATAL);
    expect(rsp.results[0]?.message).toContain('internal error');
    expect(rsp.results[0]?.message).toContain('RemoteCluster broken');
    expect(rsp.results[0]?.message).toContain(cause);
    const errors = logs().filter((line) => line.severity === 'ERROR');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.tag).toBe('failing-tag');
    expect(errors[0]?.xr).toMatchObject({ kind: 'RemoteCluster', name: 'broken' });
  });
});

describe('error logging', () => {
  it('keeps error properties out of the log', async () => {
    const { client, logs } = await serve(async () => {
      throw Object.assign(new Error('cannot apply the manifest'), {
        manifest: { kind: 'Secret', data: { token: SECRET_VALUE_BASE64 } },
      });
    });

    const rsp = await client.run(remoteClusterRequest({ tag: 'property-tag' }));

    expect(rsp.results[0]?.message).toContain('cannot apply the manifest');
    const error = logs().find((line) => line.severity === 'ERROR');
    expect(error?.error).toMatchObject({ type: 'Error', message: 'cannot apply the manifest' });
    expect(JSON.stringify(logs())).not.toContain(SECRET_VALUE_BASE64);
  });
});

describe('response checks', () => {
  it('sets the tag when the handler omits it', async () => {
    const { client } = await serve(async (req) => ({ ...to(req), meta: undefined }));

    const rsp = await client.run(remoteClusterRequest({ tag: 'omitted-tag' }));

    expect(rsp.meta?.tag).toBe('omitted-tag');
    expect(rsp.results).toEqual([]);
  });

  it('replaces a wrong tag and keeps the TTL', async () => {
    const { client } = await serve(async (req) => ({
      ...to(req),
      meta: { tag: 'stale', ttl: { seconds: 30, nanos: 0 } },
    }));

    const rsp = await client.run(remoteClusterRequest({ tag: 'fresh-tag' }));

    expect(rsp.meta?.tag).toBe('fresh-tag');
    expect(rsp.meta?.ttl?.seconds).toBe(30);
  });

  it('returns a Fatal result for a response over the limit', async () => {
    // The request fits the 4 MiB limit, but the handler doubles its size.
    const { client, logs } = await serve(async (req) => {
      const rsp = to(req);
      const filler = rsp.desired?.resources.filler;
      if (rsp.desired && filler) {
        rsp.desired.resources.copy = filler;
      }
      return rsp;
    });

    const rsp = await client.run(remoteClusterRequest({ tag: 'large-tag', fillerBytes: 3 * MIB }));

    expect(rsp.meta?.tag).toBe('large-tag');
    expect(rsp.desired).toBeUndefined();
    expect(rsp.results[0]?.severity).toBe(Severity.SEVERITY_FATAL);
    expect(rsp.results[0]?.message).toContain('RemoteCluster tfc-cluster12');
    expect(rsp.results[0]?.message).toContain('over the 4.0 MiB limit');
    expect(rsp.results[0]?.message).toContain('--max-recv-message-size');
    const error = logs().find((line) => line.severity === 'ERROR');
    expect(error?.tag).toBe('large-tag');
    expect(error?.responseBytes).toBeGreaterThan(4 * MIB);
  });

  it('passes a Fatal result from the handler through unchanged', async () => {
    const { client, logs } = await serve(async (req) => ({
      ...to(req),
      results: [
        { severity: Severity.SEVERITY_FATAL, message: 'spec.cluster.region: Required value' },
      ],
    }));

    const rsp = await client.run(remoteClusterRequest({ tag: 'handled-tag' }));

    expect(rsp.results).toEqual([
      { severity: Severity.SEVERITY_FATAL, message: 'spec.cluster.region: Required value' },
    ]);
    expect(logs().filter((line) => line.severity === 'ERROR')).toEqual([]);
  });
});

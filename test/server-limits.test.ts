import * as grpc from '@grpc/grpc-js';
import { Severity, type RunFunctionResponse } from '@crossplane-org/function-sdk-typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, type FunctionClient } from './support/client.js';
import { exampleXR, request } from './support/fixtures.js';
import { killLeftoverServers, startServer, type ServerProcess } from './support/process.js';
import { encodedSize, remoteClusterRequest } from './support/requests.js';

afterAll(killLeftoverServers);

const MIB = 1024 * 1024;

/** Total bytes of the filler ConfigMap's data in a response. */
function fillerBytes(rsp: RunFunctionResponse | undefined): number {
  const configMap = rsp?.desired?.resources.filler?.resource as
    { data?: Record<string, string> } | undefined;
  return Object.values(configMap?.data ?? {}).reduce((sum, value) => sum + value.length, 0);
}

describe('message size limit', () => {
  const cases: {
    reason: string;
    args: string[];
    env?: Record<string, string>;
    fillerMiB: number;
    served: boolean;
  }[] = [
    {
      reason: 'a 3 MiB request fits the default 4 MiB limit',
      args: [],
      fillerMiB: 3,
      served: true,
    },
    {
      reason: 'a 5 MiB request exceeds the default 4 MiB limit',
      args: [],
      fillerMiB: 5,
      served: false,
    },
    {
      reason: 'a 5 MiB request and its 5 MiB response fit --max-recv-message-size 16',
      args: ['--max-recv-message-size', '16'],
      fillerMiB: 5,
      served: true,
    },
    {
      reason: 'MAX_RECV_MESSAGE_SIZE raises the limit when the flag is absent',
      args: [],
      env: { MAX_RECV_MESSAGE_SIZE: '16' },
      fillerMiB: 5,
      served: true,
    },
    {
      reason: 'the flag takes precedence over MAX_RECV_MESSAGE_SIZE',
      args: ['--max-recv-message-size', '4'],
      env: { MAX_RECV_MESSAGE_SIZE: '16' },
      fillerMiB: 5,
      served: false,
    },
    {
      reason: 'a 20 MiB request exceeds --max-recv-message-size 16',
      args: ['--max-recv-message-size', '16'],
      fillerMiB: 20,
      served: false,
    },
  ];

  it.each(cases)('$reason', async ({ reason, args, env, fillerMiB, served }) => {
    const server = await startServer(['--insecure', '--address', '127.0.0.1:0', ...args], env);
    const client = connectClient(server.address);
    const req = remoteClusterRequest({ tag: reason, fillerBytes: fillerMiB * MIB });

    try {
      const outcome = await client.run(req).then(
        (rsp) => ({ rsp, err: undefined }),
        (err: grpc.ServiceError) => ({ rsp: undefined, err }),
      );

      if (served) {
        expect(outcome.err).toBeUndefined();
        expect(outcome.rsp?.meta?.tag).toBe(reason);
        expect(outcome.rsp?.results).toEqual([]);
        expect(fillerBytes(outcome.rsp)).toBe(fillerMiB * MIB);
      } else {
        expect(encodedSize(req)).toBeGreaterThan(fillerMiB * MIB);
        expect(outcome.rsp).toBeUndefined();
        expect(outcome.err?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
      }
    } finally {
      client.close();
      await server.stop();
    }
  });
});

describe('concurrent calls', () => {
  it('completes 64 calls of 3 MiB each', { timeout: 120_000 }, async () => {
    const server = await startServer(['--insecure', '--address', '127.0.0.1:0']);
    const client = connectClient(server.address);

    try {
      const tags = Array.from({ length: 64 }, (_, index) => `concurrent-${index}`);
      const responses = await Promise.all(
        tags.map((tag) => client.run(remoteClusterRequest({ tag, fillerBytes: 3 * MIB }), 100_000)),
      );

      expect(responses.map((rsp) => rsp.meta?.tag)).toEqual(tags);
      for (const rsp of responses) {
        expect(rsp.results).toEqual([]);
        expect(fillerBytes(rsp)).toBe(3 * MIB);
      }
    } finally {
      client.close();
      await server.stop();
    }
  });
});

/** Builds a ConfigMap manifest whose data nests objects until the manifest is `depth` levels deep. */
function manifestNested(depth: number): Record<string, unknown> {
  let data: Record<string, unknown> = { leaf: 'x' };
  for (let level = 2; level < depth; level += 1) data = { nested: data };
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'deep', namespace: 'team-a' },
    data,
  };
}

/** Objects and lists nested `depth` levels deep, as the fuzz test builds them. */
function nestedValue(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i += 1) value = i % 3 === 2 ? [value] : { nested: value };
  return value;
}

describe('nesting depth limit of the request decoder', () => {
  let server: ServerProcess;
  let client: FunctionClient;

  beforeAll(async () => {
    server = await startServer(['--insecure', '--address', '127.0.0.1:0']);
    client = connectClient(server.address);
  });

  afterAll(async () => {
    client.close();
    await server.stop();
  });

  const withManifest = (manifest: Record<string, unknown>) =>
    request({
      tag: 'nested',
      xr: exampleXR({
        spec: { cluster: { name: 'c', region: 'eu-west-2' }, objects: [{ manifest }] },
      }),
    });

  it.each([
    {
      reason: 'a manifest 20 levels deep is composed',
      req: withManifest(manifestNested(20)),
      want: 'composed',
    },
    {
      reason: "a manifest 22 levels deep is past the policy's depth limit",
      req: withManifest(manifestNested(22)),
      want: 'policy',
    },
    {
      reason: "an earlier step's resource nested 20 levels deep passes through",
      req: request({ tag: 'nested', desired: { other: { data: nestedValue(20) } } }),
      want: 'composed',
    },
    {
      reason: 'a manifest 40 levels deep is past the decoder limit',
      req: withManifest(manifestNested(40)),
      want: 'undecoded',
    },
    {
      reason: "an earlier step's resource nested 60 levels deep is past the decoder limit",
      req: request({ tag: 'nested', desired: { other: { data: nestedValue(60) } } }),
      want: 'undecoded',
    },
  ])('$reason', async ({ req, want }) => {
    const rsp = await client.run(req);

    expect(rsp.meta?.tag).toBe('nested');
    if (want === 'composed') {
      expect(rsp.results).toEqual([]);
      return;
    }
    expect(rsp.results).toHaveLength(1);
    expect(rsp.results[0]?.severity).toBe(Severity.SEVERITY_FATAL);
    if (want === 'policy') {
      expect(rsp.results[0]?.message).toContain('nested deeper than 20 levels');
      return;
    }
    expect(rsp.results[0]?.reason).toBe('RequestNotDecoded');
    expect(rsp.results[0]?.message).toContain('cannot decode the RunFunction request');
    expect(rsp.results[0]?.message).toContain('nested deeper than 26 levels');
    expect(rsp.desired).toBeUndefined();
  });
});

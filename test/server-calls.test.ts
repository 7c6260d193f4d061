import * as grpc from '@grpc/grpc-js';
import { afterAll, describe, expect, it } from 'vitest';
import { connectClient } from './support/client.js';
import { killLeftoverServers, startServer } from './support/process.js';
import { connectSession, startRawCall } from './support/raw-call.js';
import {
  remoteClusterRequest,
  SECRET_VALUE,
  SECRET_VALUE_BASE64,
  XR_API_VERSION,
  XR_KIND,
} from './support/requests.js';

afterAll(killLeftoverServers);

describe('calls over plaintext', () => {
  it('serves with --insecure and copies the tag', async () => {
    const server = await startServer(['--insecure', '--address', '127.0.0.1:0']);
    const client = connectClient(server.address);

    try {
      const rsp = await client.run(remoteClusterRequest({ tag: 'plaintext-tag' }));

      expect(rsp.meta?.tag).toBe('plaintext-tag');
      expect(rsp.results).toEqual([]);
    } finally {
      client.close();
      await server.stop();
    }
  });
});

describe('call logging', () => {
  it('logs one debug line per call with the XR ids', async () => {
    const server = await startServer(['--debug', '--insecure', '--address', '127.0.0.1:0']);
    const client = connectClient(server.address);

    try {
      await client.run(remoteClusterRequest({ tag: 'logged-tag', xrName: 'logged-xr' }));
      const line = await server.waitForLog((entry) => entry.msg === 'RunFunction call finished');

      expect(line.severity).toBe('DEBUG');
      expect(line.tag).toBe('logged-tag');
      expect(line.xr).toEqual({ apiVersion: XR_API_VERSION, kind: XR_KIND, name: 'logged-xr' });
      expect(typeof line.durationMs).toBe('number');
      const callLines = server.logLines().filter((entry) => entry.tag === 'logged-tag');
      expect(callLines.filter((entry) => entry.msg === 'RunFunction call finished')).toHaveLength(
        1,
      );
    } finally {
      client.close();
      await server.stop();
    }
  });

  it('logs no call lines without --debug', async () => {
    const server = await startServer(['--insecure', '--address', '127.0.0.1:0']);
    const client = connectClient(server.address);

    try {
      await client.run(remoteClusterRequest({ tag: 'quiet-tag' }));
      await server.stop();

      expect(server.logLines().filter((entry) => entry.tag === 'quiet-tag')).toEqual([]);
    } finally {
      client.close();
    }
  });

  it('never logs Secret data from a manifest', async () => {
    const server = await startServer(['--debug', '--insecure', '--address', '127.0.0.1:0']);
    const client = connectClient(server.address);

    try {
      const req = remoteClusterRequest({ tag: 'secret-tag' });
      expect(JSON.stringify(req)).toContain(SECRET_VALUE_BASE64);

      await client.run(req);
      await server.waitForLog((entry) => entry.tag === 'secret-tag');
      await server.stop();

      // The tag in the output shows that the call was logged at all.
      const output = server.stdout() + server.stderr();
      expect(output).toContain('secret-tag');
      expect(output).not.toContain(SECRET_VALUE_BASE64);
      expect(output).not.toContain(SECRET_VALUE);
    } finally {
      client.close();
    }
  });
});

describe('shutdown', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    '%s lets an in-flight call finish and exits 0',
    async (signal) => {
      const server = await startServer(['--debug', '--insecure', '--address', '127.0.0.1:0']);
      const session = connectSession(server.address);

      try {
        const inFlight = startRawCall(session, remoteClusterRequest({ tag: 'in-flight' }));
        // HTTP/2 frames on one connection arrive in order, so once a later
        // call on the same session has returned, the server has seen the
        // first call's stream.
        const probe = startRawCall(session, remoteClusterRequest({ tag: 'probe' }));
        probe.finish();
        expect((await probe.result).status).toBe('0');

        server.child.kill(signal);
        await server.waitForLog((line) => line.msg?.startsWith('shutdown started') === true);

        const lateClient = connectClient(server.address);
        const late = await lateClient.run(remoteClusterRequest({ tag: 'late' }), 5_000).then(
          () => undefined,
          (err: grpc.ServiceError) => err,
        );
        lateClient.close();
        expect(late?.code).toBe(grpc.status.UNAVAILABLE);

        inFlight.finish();
        const result = await inFlight.result;
        expect(result.status).toBe('0');
        expect(result.response?.meta?.tag).toBe('in-flight');

        const exit = await server.exited;
        expect(exit.code).toBe(0);
        const finished = server.logLines().find((line) => line.msg === 'shutdown finished');
        expect(finished?.outcome).toBe('graceful');
      } finally {
        session.destroy();
      }
    },
  );

  it('cancels a call still in flight after 10 s', { timeout: 40_000 }, async () => {
    const server = await startServer(['--insecure', '--address', '127.0.0.1:0']);
    const session = connectSession(server.address);

    try {
      const stuck = startRawCall(session, remoteClusterRequest({ tag: 'stuck' }));
      const probe = startRawCall(session, remoteClusterRequest({ tag: 'probe' }));
      probe.finish();
      expect((await probe.result).status).toBe('0');

      const signalledAt = Date.now();
      server.child.kill('SIGTERM');
      const exit = await server.exited;

      expect(exit.code).toBe(0);
      expect(Date.now() - signalledAt).toBeGreaterThanOrEqual(9_500);
      const finished = server.logLines().find((line) => line.msg === 'shutdown finished');
      expect(finished?.outcome).toBe('forced');
      const result = await stuck.result;
      expect(result.status).not.toBe('0');
      expect(result.response).toBeUndefined();
    } finally {
      session.destroy();
    }
  });
});

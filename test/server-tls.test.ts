import * as grpc from '@grpc/grpc-js';
import { cpSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, tlsCredentials } from './support/client.js';
import { killLeftoverServers, runUntilExit, startServer } from './support/process.js';
import type { ServerProcess } from './support/process.js';
import { remoteClusterRequest } from './support/requests.js';
import { generateTestCertificates } from './support/tls.js';
import type { TestCertificates } from './support/tls.js';

let scratch: string;
let certs: TestCertificates;

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'server-tls-'));
  certs = generateTestCertificates(scratch);
});
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});
afterAll(killLeftoverServers);

describe('mutual TLS', () => {
  let server: ServerProcess;

  beforeAll(async () => {
    server = await startServer([
      '--debug',
      '--address',
      '127.0.0.1:0',
      '--tls-server-certs-dir',
      certs.serverDir,
    ]);
  });
  afterAll(async () => {
    await server.stop();
  });

  it('logs that it serves mutual TLS', () => {
    const ready = server.logLines().find((line) => line.msg === 'serving RunFunction');

    expect(ready?.tls).toBe('mutual');
  });

  const cases: {
    reason: string;
    credentials: () => grpc.ChannelCredentials;
    served: boolean;
  }[] = [
    {
      reason: 'a client certificate signed by ca.crt is accepted',
      credentials: () => tlsCredentials(certs.ca, certs.client),
      served: true,
    },
    {
      reason: 'a client without a certificate is rejected',
      credentials: () => tlsCredentials(certs.ca),
      served: false,
    },
    {
      reason: 'a client certificate from a foreign CA is rejected',
      credentials: () => tlsCredentials(certs.ca, certs.foreignClient),
      served: false,
    },
    {
      reason: 'a plaintext client is rejected',
      credentials: () => grpc.credentials.createInsecure(),
      served: false,
    },
  ];

  it.each(cases)('$reason', async ({ reason, credentials, served }) => {
    const tag = `tls ${reason}`;
    const client = connectClient(server.address, credentials());

    try {
      const outcome = await client.run(remoteClusterRequest({ tag }), 5_000).then(
        (rsp) => ({ rsp, err: undefined }),
        (err: grpc.ServiceError) => ({ rsp: undefined, err }),
      );

      const handled = server
        .logLines()
        .some((line) => line.msg === 'RunFunction call finished' && line.tag === tag);
      if (served) {
        expect(outcome.err).toBeUndefined();
        expect(outcome.rsp?.meta?.tag).toBe(tag);
        expect(handled).toBe(true);
      } else {
        expect(outcome.rsp).toBeUndefined();
        expect(outcome.err?.code).toBe(grpc.status.UNAVAILABLE);
        expect(handled).toBe(false);
      }
    } finally {
      client.close();
    }
  });
});

describe('unusable certificates directory', () => {
  const cases: {
    reason: string;
    /** Breaks the copy of a valid certificates directory. */
    corrupt: (dir: string) => void;
    expected: (dir: string) => string[];
  }[] = [
    {
      reason: 'a missing tls.key is named',
      corrupt: (dir) => unlinkSync(join(dir, 'tls.key')),
      expected: (dir) => [`${join(dir, 'tls.key')} not found`, '--insecure'],
    },
    {
      reason: 'a missing ca.crt is named',
      corrupt: (dir) => unlinkSync(join(dir, 'ca.crt')),
      expected: (dir) => [`${join(dir, 'ca.crt')} not found`, '--insecure'],
    },
    {
      reason: 'a ca.crt that is not a certificate is named',
      corrupt: (dir) => writeFileSync(join(dir, 'ca.crt'), 'not a certificate\n'),
      expected: (dir) => [`invalid TLS file ${join(dir, 'ca.crt')}`],
    },
    {
      reason: 'an empty tls.crt is named',
      corrupt: (dir) => writeFileSync(join(dir, 'tls.crt'), ''),
      expected: (dir) => [`invalid TLS file ${join(dir, 'tls.crt')}`],
    },
    {
      reason: 'a tls.key that does not match tls.crt is reported',
      corrupt: (dir) => cpSync(certs.client.keyFile, join(dir, 'tls.key')),
      expected: (dir) => [`invalid TLS key pair in ${dir}`],
    },
    {
      reason: 'a file in place of the directory is reported',
      corrupt: (dir) => {
        rmSync(dir, { recursive: true });
        writeFileSync(dir, '');
      },
      expected: (dir) => [`${dir} is not a directory`],
    },
  ];

  it.each(cases)('exits 1: $reason', async ({ reason, corrupt, expected }) => {
    const dir = join(scratch, reason.replaceAll(' ', '-'));
    cpSync(certs.serverDir, dir, { recursive: true });
    corrupt(dir);

    const result = await runUntilExit(['--address', '127.0.0.1:0', '--tls-server-certs-dir', dir]);

    expect(result.code).toBe(1);
    for (const text of expected(dir)) {
      expect(result.stdout).toContain(text);
    }
    expect(result.stdout).not.toContain('serving RunFunction');
  });
});

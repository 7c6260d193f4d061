import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killLeftoverServers, runUntilExit, startServer } from './support/process.js';

afterAll(killLeftoverServers);

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'server-flags-'));
});
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe('--help', () => {
  it('prints every flag and exits 0', async () => {
    const result = await runUntilExit(['--help']);

    expect(result.code).toBe(0);
    for (const flag of [
      '--address',
      '--insecure',
      '--debug',
      '--tls-server-certs-dir',
      '--max-recv-message-size',
      '--help',
    ]) {
      expect(result.stdout).toContain(flag);
    }
    expect(result.stdout).toContain('TLS_SERVER_CERTS_DIR');
    expect(result.stdout).toContain('MAX_RECV_MESSAGE_SIZE');
    expect(result.stderr).toBe('');
  });
});

describe('invalid command line', () => {
  const cases: {
    reason: string;
    args: string[];
    env?: Record<string, string>;
    expected: string[];
  }[] = [
    {
      reason: 'an unknown flag is named',
      args: ['--insecur'],
      expected: ['--insecur'],
    },
    {
      reason: 'a positional argument is named',
      args: ['serve'],
      expected: ["'serve'"],
    },
    {
      reason: 'a string flag without its value is named',
      args: ['--address'],
      expected: ['--address'],
    },
    {
      reason: 'a boolean flag given a value is named',
      args: ['--insecure=false'],
      expected: ['--insecure'],
    },
    {
      reason: 'a message size that is not a number is named with its value',
      args: ['--insecure', '--max-recv-message-size', 'lots'],
      expected: ['--max-recv-message-size', '"lots"'],
    },
    {
      reason: 'a fractional message size is rejected because sizes are whole MiB',
      args: ['--insecure', '--max-recv-message-size', '1.5'],
      expected: ['--max-recv-message-size', '"1.5"'],
    },
    {
      reason: 'a zero message size would reject every call',
      args: ['--insecure', '--max-recv-message-size', '0'],
      expected: ['--max-recv-message-size', '"0"'],
    },
    {
      reason: 'a message size beyond what grpc-js can store is rejected',
      args: ['--insecure', '--max-recv-message-size=4096'],
      expected: ['--max-recv-message-size', '"4096"'],
    },
    {
      reason: 'an invalid MAX_RECV_MESSAGE_SIZE names the variable, not the flag',
      args: ['--insecure'],
      env: { MAX_RECV_MESSAGE_SIZE: '4MiB' },
      expected: ['MAX_RECV_MESSAGE_SIZE', '"4MiB"'],
    },
    {
      reason: 'an address without a port is rejected instead of binding port 443',
      args: ['--insecure', '--address', '127.0.0.1'],
      expected: ['--address', '"127.0.0.1"'],
    },
    {
      reason: 'an address without a host is rejected instead of resolving an empty name',
      args: ['--insecure', '--address', ':9443'],
      expected: ['--address', '":9443"'],
    },
    {
      reason: 'a port above 65535 is rejected',
      args: ['--insecure', '--address', '127.0.0.1:70000'],
      expected: ['--address', '"127.0.0.1:70000"'],
    },
    {
      reason: 'an empty certificates directory flag is rejected',
      args: ['--tls-server-certs-dir='],
      expected: ['--tls-server-certs-dir'],
    },
  ];

  it.each(cases)('exits 2: $reason', async ({ args, env, expected }) => {
    const result = await runUntilExit(args, env);

    expect(result.code).toBe(2);
    for (const text of expected) {
      expect(result.stderr).toContain(text);
    }
    expect(result.stderr).toContain('--help');
    expect(result.stdout).toBe('');
  });
});

describe('missing TLS certificates', () => {
  const cases: { reason: string; args: string[]; env?: Record<string, string>; path: string }[] = [
    {
      reason: 'the directory from the flag does not exist',
      args: ['--tls-server-certs-dir', '/nonexistent/tls/flag'],
      path: '/nonexistent/tls/flag',
    },
    {
      reason: 'the directory from TLS_SERVER_CERTS_DIR does not exist',
      args: [],
      env: { TLS_SERVER_CERTS_DIR: '/nonexistent/tls/env' },
      path: '/nonexistent/tls/env',
    },
    {
      reason: 'the flag takes precedence over TLS_SERVER_CERTS_DIR',
      args: ['--tls-server-certs-dir', '/nonexistent/tls/flag'],
      env: { TLS_SERVER_CERTS_DIR: '/nonexistent/tls/env' },
      path: '/nonexistent/tls/flag',
    },
  ];

  it.each(cases)('exits 1: $reason', async ({ args, env, path }) => {
    const result = await runUntilExit(['--address', '127.0.0.1:0', ...args], env);

    expect(result.code).toBe(1);
    expect(result.stdout).toContain(path);
    expect(result.stdout).toContain('not found');
    expect(result.stdout).toContain('--insecure');
    expect(result.stdout).not.toContain('serving RunFunction');
  });

  it.skipIf(existsSync('/tls/server'))(
    'exits 1 naming /tls/server when no directory is set',
    async () => {
      const result = await runUntilExit(['--address', '127.0.0.1:0']);

      expect(result.code).toBe(1);
      expect(result.stdout).toContain('/tls/server not found');
      expect(result.stdout).toContain('--insecure');
    },
  );
});

describe('bind failure', () => {
  let occupied: Server;
  let occupiedPort: number;
  beforeAll(async () => {
    occupied = createServer();
    await new Promise<void>((resolve) => occupied.listen(0, '127.0.0.1', resolve));
    const address = occupied.address();
    if (address === null || typeof address === 'string') {
      throw new Error('cannot read the port of the placeholder listener');
    }
    occupiedPort = address.port;
  });
  afterAll(() => {
    occupied.close();
  });

  it('exits 1 when the port is in use', async () => {
    const address = `127.0.0.1:${occupiedPort}`;
    const result = await runUntilExit(['--insecure', '--address', address]);

    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`cannot listen on ${address}`);
    expect(result.stdout).toContain('EADDRINUSE');
  });

  it('exits 1 when the host is not an address of this machine', async () => {
    // 192.0.2.0/24 is reserved for documentation (RFC 5737), so interfaces do
    // not normally have it, and binding fails without any network traffic.
    const result = await runUntilExit(['--insecure', '--address', '192.0.2.1:0']);

    expect(result.code).toBe(1);
    expect(result.stdout).toContain('cannot listen on 192.0.2.1:0');
    expect(result.stdout).toContain('EADDRNOTAVAIL');
  });
});

describe('listening', () => {
  it('logs the bound port when port 0 is requested', async () => {
    const server = await startServer(['--insecure', '--address', '127.0.0.1:0']);

    expect(server.address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(server.address).not.toBe('127.0.0.1:0');
    const exit = await server.stop();
    expect(exit.code).toBe(0);
  });

  it('warns that --insecure ignores TLS_SERVER_CERTS_DIR', async () => {
    const server = await startServer(['--insecure', '--address', '127.0.0.1:0'], {
      TLS_SERVER_CERTS_DIR: scratch,
    });

    const warning = server.logLines().find((line) => line.severity === 'WARN');
    expect(warning?.msg).toContain('TLS_SERVER_CERTS_DIR');
    await server.stop();
  });
});

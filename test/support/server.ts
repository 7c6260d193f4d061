import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

/** The repository root, where `node dist/main.js` is run from. */
export const REPOSITORY_ROOT = fileURLToPath(new URL('../..', import.meta.url));

const HOST = '127.0.0.1';
const STARTUP_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 5_000;
const MAX_START_ATTEMPTS = 3;

/** Options for {@link startFunctionServer}. */
export interface FunctionServerOptions {
  /** Flags added after `--insecure --address 127.0.0.1:PORT`. */
  args?: string[];
  /** Environment variables added to the test process's environment. */
  env?: NodeJS.ProcessEnv;
}

/** A function server running as a child process. */
export interface FunctionServer {
  /** The address it listens on, 127.0.0.1:PORT. */
  address: string;
  /** Stops the server: SIGTERM, then SIGKILL after five seconds. */
  stop(): Promise<void>;
  /** Everything the server wrote to stdout and stderr so far. */
  output(): string;
}

/** Returns a TCP port that was free on 127.0.0.1 a moment ago. */
export async function findFreePort(): Promise<number> {
  const server = createServer();
  server.listen(0, HOST);
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') {
    throw new Error(`cannot read the port of a TCP listener: ${String(address)}`);
  }
  return address.port;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: HOST, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return;
  }
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

/**
 * Starts the built function server (`node dist/main.js --insecure --address
 * 127.0.0.1:PORT`) on a free port and resolves once it accepts TCP
 * connections. Another process can take the port between the check and the
 * bind, so a server that exits with EADDRINUSE is retried on a new port.
 *
 * @throws Error with the server's output when it exits or does not accept
 *   connections within 20 seconds.
 */
export async function startFunctionServer(
  options: FunctionServerOptions = {},
): Promise<FunctionServer> {
  const entry = `${REPOSITORY_ROOT}dist/main.js`;
  if (!existsSync(entry)) {
    throw new Error(`${entry} does not exist: run npm run build first (npm test does)`);
  }

  let lastOutput = '';
  for (let attempt = 1; attempt <= MAX_START_ATTEMPTS; attempt++) {
    const address = `${HOST}:${await findFreePort()}`;
    const child = spawn(
      process.execPath,
      [entry, '--insecure', '--address', address, ...(options.args ?? [])],
      { cwd: REPOSITORY_ROOT, env: { ...process.env, ...options.env }, stdio: 'pipe' },
    );

    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    // 'close' comes after the output streams end, so all output is read.
    const closed = once(child, 'close');

    const server: FunctionServer = {
      address,
      stop: () => stopChild(child),
      output: () => output,
    };

    const ready = await waitForConnection(child, address);
    if (ready) {
      return server;
    }

    await server.stop();
    await closed;
    lastOutput = output;
    if (!output.includes('EADDRINUSE')) {
      break;
    }
  }

  throw new Error(`the function server did not start accepting connections:\n${lastOutput}`);
}

/**
 * Waits until the server accepts a TCP connection. Returns false when it
 * exits first (the SDK 0.7.0 server logs a failed bind and exits) or does
 * not accept one within the startup timeout.
 */
async function waitForConnection(child: ChildProcess, address: string): Promise<boolean> {
  const port = Number(address.split(':')[1]);
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;

  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      return false;
    }
    if (await canConnect(port)) {
      return true;
    }
    await sleep(50);
  }
  return false;
}

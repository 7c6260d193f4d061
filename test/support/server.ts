import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { startServer } from './process.js';

/** The repository root, where `node dist/main.js` is run from. */
export const REPOSITORY_ROOT = fileURLToPath(new URL('../..', import.meta.url));

const HOST = '127.0.0.1';

/** Options for {@link startFunctionServer}. */
export interface FunctionServerOptions {
  /** Flags added after `--insecure --address 127.0.0.1:0`. */
  args?: string[];
  /** Environment variables added to the test process's environment. */
  env?: Record<string, string>;
}

/** A function server running as a child process. */
export interface FunctionServer {
  /** The address it listens on, 127.0.0.1:PORT. */
  address: string;
  /** Stops the server with SIGTERM and waits for it to exit. */
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

/**
 * Starts the built function server in plaintext on a port the kernel picks,
 * and resolves with the address from its "serving RunFunction" log line.
 */
export async function startFunctionServer(
  options: FunctionServerOptions = {},
): Promise<FunctionServer> {
  const entry = `${REPOSITORY_ROOT}dist/main.js`;
  if (!existsSync(entry)) {
    throw new Error(`${entry} does not exist: run npm run build first (npm test does)`);
  }
  const server = await startServer(
    ['--insecure', '--address', `${HOST}:0`, ...(options.args ?? [])],
    options.env,
  );
  return {
    address: server.address,
    stop: async () => {
      await server.stop();
    },
    output: () => server.stdout() + server.stderr(),
  };
}

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built entry point; `npm test` builds it before running vitest. */
const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

/** Environment variables the server reads, removed from the inherited environment. */
const SERVER_ENV = ['TLS_SERVER_CERTS_DIR', 'MAX_RECV_MESSAGE_SIZE'];

export type LogLine = Record<string, unknown> & { severity?: string; msg?: string };

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServerProcess {
  child: ChildProcess;
  /** Address from the server's "serving RunFunction" log line, with the bound port. */
  address: string;
  stdout(): string;
  stderr(): string;
  /** stdout lines that parse as JSON log records. */
  logLines(): LogLine[];
  /** Resolves with the first log line, past or future, that matches. */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  exited: Promise<Exit>;
  /** Sends SIGTERM unless the process already exited, and waits for the exit. */
  stop(): Promise<Exit>;
}

const running = new Set<ChildProcess>();

function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const inherited = Object.entries(process.env).filter(([name]) => !SERVER_ENV.includes(name));
  return { ...Object.fromEntries(inherited), ...env };
}

function parseLogLines(stdout: string): LogLine[] {
  const lines: LogLine[] = [];
  for (const text of stdout.split('\n')) {
    if (!text.startsWith('{')) {
      continue;
    }
    try {
      lines.push(JSON.parse(text) as LogLine);
    } catch {
      // A partial line at the end of the buffer parses once it is complete.
    }
  }
  return lines;
}

/** Spawns `node dist/main.js` with the arguments and collects its output. */
export function spawnServer(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [MAIN, ...args], {
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);

  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    for (const listener of listeners) listener();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });

  const exited = new Promise<Exit>((resolve) => {
    // 'close' rather than 'exit', so that all output has been read.
    child.on('close', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });

  const waitForLog = (match: (line: LogLine) => boolean, timeoutMs = 15_000) =>
    new Promise<LogLine>((resolve, reject) => {
      const check = (): boolean => {
        const line = parseLogLines(stdout).find(match);
        if (line) {
          cleanup();
          resolve(line);
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(
            `no matching log line within ${timeoutMs} ms; stdout:\n${stdout}\nstderr:\n${stderr}`,
          ),
        );
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        listeners.delete(onData);
      };
      const onData = () => void check();
      if (!check()) {
        listeners.add(onData);
        void exited.then(() => {
          if (!check()) {
            cleanup();
            reject(
              new Error(
                `server exited before logging the expected line; stdout:\n${stdout}\nstderr:\n${stderr}`,
              ),
            );
          }
        });
      }
    });

  return {
    child,
    exited,
    waitForLog,
    stdout: () => stdout,
    stderr: () => stderr,
    logLines: () => parseLogLines(stdout),
  };
}

/** Starts the server and waits until it logs the address it listens on. */
export async function startServer(
  args: string[],
  env: Record<string, string> = {},
): Promise<ServerProcess> {
  const spawned = spawnServer(args, env);
  const ready = await spawned.waitForLog((line) => line.msg === 'serving RunFunction');
  if (typeof ready.address !== 'string') {
    throw new Error(`"serving RunFunction" log line has no address: ${JSON.stringify(ready)}`);
  }

  return {
    ...spawned,
    address: ready.address,
    async stop() {
      if (spawned.child.exitCode === null && spawned.child.signalCode === null) {
        spawned.child.kill('SIGTERM');
      }
      return spawned.exited;
    },
  };
}

/** Runs the server until it exits on its own, for startup failures, and returns its output. */
export async function runUntilExit(
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 15_000,
): Promise<Exit & { stdout: string; stderr: string }> {
  const spawned = spawnServer(args, env);
  const timer = setTimeout(() => spawned.child.kill('SIGKILL'), timeoutMs);
  const exit = await spawned.exited;
  clearTimeout(timer);
  return { ...exit, stdout: spawned.stdout(), stderr: spawned.stderr() };
}

/** Kills servers that a failed test left running, so that vitest can exit. Call it in afterAll. */
export function killLeftoverServers(): void {
  for (const child of running) {
    child.kill('SIGKILL');
  }
}

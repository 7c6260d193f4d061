/**
 * Start a function server as a child process on a loopback port, measure the
 * time until it serves its first call, and read its memory and CPU figures
 * from /proc (Linux only).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { RawRunFunctionClient } from './load.js';

/** Maximum time from spawn to the first successful call. */
const STARTUP_TIMEOUT_MS = 30_000;

/** Time a server gets to exit after SIGTERM before it is killed. */
const STOP_TIMEOUT_MS = 10_000;

/** Bytes of the server's stdout and stderr kept for error messages. */
const OUTPUT_TAIL_BYTES = 4096;

/** Clock ticks per second (USER_HZ) of the utime and stime fields in /proc/<pid>/stat. */
const CLOCK_TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));

/** How to start one server. */
export interface ServerCommand {
  /** Label used in messages, such as `function` or `baseline`. */
  label: string;
  /** The server's entry script. */
  script: string;
  /** Flags for node itself, placed before the script. */
  nodeFlags: string[];
}

/** Find a free loopback TCP port by binding port 0 and releasing it. */
async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') {
          resolve(address.port);
        } else {
          reject(new Error(`unexpected listen address ${String(address)}`));
        }
      });
    });
  });
}

/** A server child process that has served at least one call. */
export class ServerProcess {
  private outputTail = '';
  private exitPromise: Promise<void>;
  private exitDescription: string | undefined;

  private constructor(
    readonly command: ServerCommand,
    readonly address: string,
    private readonly child: ChildProcess,
  ) {
    // The pipes must be drained, or a chatty server blocks on a full pipe.
    const keepTail = (chunk: Buffer): void => {
      this.outputTail = (this.outputTail + chunk.toString('utf8')).slice(-OUTPUT_TAIL_BYTES);
    };
    child.stdout?.on('data', keepTail);
    child.stderr?.on('data', keepTail);
    this.exitPromise = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitDescription = signal === null ? `exit code ${code}` : `signal ${signal}`;
        resolve();
      });
    });
  }

  /** Process id of the server. */
  get pid(): number {
    if (this.child.pid === undefined) {
      throw new Error(`${this.command.label} server has no pid: spawn failed`);
    }
    return this.child.pid;
  }

  /** The last few KiB of the server's stdout and stderr. */
  get output(): string {
    return this.outputTail;
  }

  /**
   * Spawn the server on a free loopback port and wait until `probeRequest`
   * succeeds. Returns the server and the milliseconds from spawn to that
   * first successful response.
   */
  static async start(
    command: ServerCommand,
    probeRequest: Buffer,
  ): Promise<{ server: ServerProcess; startupMs: number }> {
    const port = await findFreePort();
    const address = `127.0.0.1:${port}`;
    const args = [...command.nodeFlags, command.script, '--insecure', '--address', address];

    const spawnedAt = performance.now();
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const server = new ServerProcess(command, address, child);

    const client = new RawRunFunctionClient(address);
    let timer: NodeJS.Timeout | undefined;
    try {
      const exited = server.exitPromise.then(() => {
        throw new Error(
          `${command.label} server exited during startup (${server.exitDescription}). ` +
            `Output:\n${server.output}`,
        );
      });
      // The server exits later in stop(); that rejection is expected.
      exited.catch(() => undefined);
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(new Error(`${command.label} server not serving after ${STARTUP_TIMEOUT_MS} ms`)),
          STARTUP_TIMEOUT_MS,
        );
      });
      await Promise.race([client.call(probeRequest, true, STARTUP_TIMEOUT_MS), exited, timedOut]);
      return { server, startupMs: performance.now() - spawnedAt };
    } catch (error) {
      await server.stop();
      throw error;
    } finally {
      clearTimeout(timer);
      client.close();
    }
  }

  /** Read the server's peak resident set size (VmHWM) in bytes. */
  async readPeakRssBytes(): Promise<number> {
    const status = await readFile(`/proc/${this.pid}/status`, 'utf8');
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(status);
    if (match?.[1] === undefined) {
      throw new Error(`VmHWM not found in /proc/${this.pid}/status`);
    }
    return Number(match[1]) * 1024;
  }

  /** Read the CPU time, user plus system, that the server has used so far, in seconds. */
  async readCpuSeconds(): Promise<number> {
    const stat = await readFile(`/proc/${this.pid}/stat`, 'utf8');
    // The command name in field 2 may contain spaces, so count fields from
    // the closing parenthesis after it. utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    if (!Number.isFinite(utime) || !Number.isFinite(stime)) {
      throw new Error(`cannot parse utime and stime from /proc/${this.pid}/stat: ${stat}`);
    }
    if (!(CLOCK_TICKS_PER_SECOND > 0)) {
      throw new Error(
        `invalid clock ticks per second from getconf CLK_TCK: ${CLOCK_TICKS_PER_SECOND}`,
      );
    }
    return (utime + stime) / CLOCK_TICKS_PER_SECOND;
  }

  /**
   * Stop the server with SIGTERM, which lets node write a --cpu-prof profile,
   * and kill it if it has not exited after {@link STOP_TIMEOUT_MS}. Resolves
   * to how the process ended.
   */
  async stop(): Promise<string> {
    if (this.exitDescription === undefined) {
      this.child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), STOP_TIMEOUT_MS);
      });
      const stillRunning = await Promise.race([this.exitPromise.then(() => false), timedOut]);
      clearTimeout(timer);
      if (stillRunning) {
        this.child.kill('SIGKILL');
        await this.exitPromise;
      }
    }
    return this.exitDescription ?? 'unknown';
  }
}

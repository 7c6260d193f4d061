import { execFile } from 'node:child_process';
import { REPOSITORY_ROOT } from './server.js';

/** The exit code and output of one run of the render CLI. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built render CLI (`node dist/render/cli.js ...args`) from the repository root. */
export function runRenderCli(args: readonly string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['dist/render/cli.js', ...args],
      { cwd: REPOSITORY_ROOT, timeout: 60_000 },
      (error, stdout, stderr) => {
        let code = 0;
        if (error !== null) {
          // A process killed by a signal or the timeout has no numeric code.
          code = typeof error.code === 'number' ? error.code : 1;
        }
        resolve({ code, stdout, stderr });
      },
    );
  });
}

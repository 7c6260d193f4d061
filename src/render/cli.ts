#!/usr/bin/env node
import { HELP_TEXT, UsageError, parseRenderArguments } from './args.js';
import type { RenderArguments } from './args.js';
import { render } from './render.js';

// Errors start like crossplane render's, so scripts that match its messages
// work with this command too.
const ERROR_PREFIX = 'crossplane: error:';

/**
 * Runs the render command and returns its exit code: 0 on success, 1 on any
 * failure, after printing the error to stderr without a stack trace.
 */
export async function main(argv: readonly string[]): Promise<number> {
  let args: RenderArguments;
  try {
    args = parseRenderArguments(argv);
  } catch (error) {
    const message = error instanceof UsageError ? error.message : String(error);
    process.stderr.write(`${ERROR_PREFIX} ${message}\nRun with --help for usage.\n`);
    return 1;
  }

  if (args.help) {
    process.stdout.write(HELP_TEXT);
    return 0;
  }

  try {
    process.stdout.write(await render(args));
    return 0;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`${ERROR_PREFIX} ${message}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));

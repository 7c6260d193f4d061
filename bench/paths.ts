import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Find the repository root by walking up from this module to the nearest
 * package.json. The module runs both from bench/ (under vitest) and from its
 * compiled copy in build/bench/js/, so a fixed relative path would not do.
 */
function findRepoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) {
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) {
      throw new Error(`package.json not found above ${fileURLToPath(import.meta.url)}`);
    }
    dir = parent;
  }
}

export const repoRoot = findRepoRoot();

/** The function server built by `npm run build`. */
export const functionServerScript = join(repoRoot, 'dist', 'main.js');

/** The function's handler module built by `npm run build`. */
export const functionModule = join(repoRoot, 'dist', 'function.js');

/** The function server's protobuf codec built by `npm run build`. */
export const codecModule = join(repoRoot, 'dist', 'codec.js');

/** Output folder of the benchmarks, and of their compiled JavaScript in js/. */
export const benchOutputDir = join(repoRoot, 'build', 'bench');

/** The baseline server compiled by `npm run build:bench`. */
export const baselineServerScript = join(benchOutputDir, 'js', 'baseline-server.js');

/**
 * Smoke test of the benchmarks: runs `--quick` of the gRPC benchmark and of
 * the stage micro-benchmark once and checks that every cell reports positive
 * figures. It asserts no timings, because they vary with the machine.
 *
 * Needs dist/ from `npm run build`, which `npm test` runs first. The test
 * compiles bench/ itself instead of calling `npm run bench`, because that
 * would rebuild dist/ while other suites may be starting dist/main.js.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchReport, ServerFigures } from '../bench/report.js';
import type { StagesReport } from '../bench/stages.js';

const execFileAsync = promisify(execFile);

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const OBJECT_COUNTS = [10, 200, 2000];
const STATES = ['nothing-observed', 'all-ready'];
const CONCURRENCIES = [1, 4, 16];

/** Upper bound for compiling bench/ and one quick run on a loaded two-core machine. */
const RUN_TIMEOUT_MS = 300_000;

let tempDir: string;

async function compileBench(): Promise<void> {
  const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  await execFileAsync(process.execPath, [tsc, '-p', 'tsconfig.bench.json'], { cwd: repoRoot });
}

async function runQuick(script: string, outPath: string): Promise<string> {
  const { stdout } = await execFileAsync(
    process.execPath,
    [join(repoRoot, 'build', 'bench', 'js', script), '--quick', '--out', outPath],
    { cwd: repoRoot, timeout: RUN_TIMEOUT_MS, maxBuffer: 16 * 2 ** 20 },
  );
  return stdout;
}

beforeAll(async () => {
  if (!existsSync(join(repoRoot, 'dist', 'main.js'))) {
    throw new Error('dist/main.js not found: run npm run build before this test');
  }
  tempDir = await mkdtemp(join(tmpdir(), 'bench-test-'));
  await compileBench();
}, RUN_TIMEOUT_MS);

afterAll(async () => {
  await rm(tempDir, { recursive: true, force: true });
});

describe('bench --quick', () => {
  let report: BenchReport;
  let stdout: string;

  beforeAll(async () => {
    const outPath = join(tempDir, 'results.json');
    stdout = await runQuick('run.js', outPath);
    report = JSON.parse(await readFile(outPath, 'utf8')) as BenchReport;
  }, RUN_TIMEOUT_MS);

  it('prints the markdown table', () => {
    expect(stdout).toContain('| objects | state | conc. |');
  });

  it('reports each cell once', () => {
    expect(report.cells).toHaveLength(OBJECT_COUNTS.length * STATES.length * CONCURRENCIES.length);
    const labels = report.cells.map((cell) => `${cell.objects}/${cell.state}/${cell.concurrency}`);
    expect(new Set(labels).size).toBe(labels.length);
  });

  const cases = OBJECT_COUNTS.flatMap((objects) =>
    STATES.flatMap((state) =>
      CONCURRENCIES.map((concurrency) => ({ objects, state, concurrency })),
    ),
  );

  it.each(cases)(
    'cell $objects/$state/c$concurrency has figures',
    ({ objects, state, concurrency }) => {
      const cell = report.cells.find(
        (c) => c.objects === objects && c.state === state && c.concurrency === concurrency,
      );
      expect(cell, 'cell missing from the report').toBeDefined();
      if (cell === undefined) {
        return;
      }
      expect(cell.requestBytes).toBeGreaterThan(0);
      for (const server of ['function', 'baseline'] as const) {
        const figures: ServerFigures = cell[server];
        expect(figures.requests, `${server} requests`).toBeGreaterThan(0);
        expect(figures.requestsPerSecond, `${server} rps`).toBeGreaterThan(0);
        expect(figures.p50Ms, `${server} p50`).toBeGreaterThan(0);
        expect(figures.p99Ms, `${server} p99`).toBeGreaterThanOrEqual(figures.p50Ms);
        expect(figures.peakRssMiB, `${server} peak RSS`).toBeGreaterThan(0);
        expect(figures.startupMs, `${server} startup`).toBeGreaterThan(0);
        expect(figures.responseBytes, `${server} response size`).toBeGreaterThan(0);
        // /proc counts CPU time in clock ticks (usually 10 ms), so a short
        // quick phase may record none.
        expect(figures.serverCpuMsPerRequest, `${server} CPU per request`).toBeGreaterThanOrEqual(
          0,
        );
      }
      expect(cell.baseline.desiredResources, 'baseline desired resources').toBe(1);
      for (const [name, ratio] of Object.entries(cell.ratios)) {
        if (name === 'serverCpuPerRequest') {
          continue;
        }
        expect(ratio, `${name} ratio`).toBeGreaterThan(0);
        expect(Number.isFinite(ratio), `${name} ratio is finite`).toBe(true);
      }
    },
  );

  it('summarizes startup of both servers', () => {
    expect(report.startup.function.medianMs).toBeGreaterThan(0);
    expect(report.startup.baseline.medianMs).toBeGreaterThan(0);
    expect(report.startup.ratio).toBeGreaterThan(0);
  });
});

describe('bench:stages --quick', () => {
  it(
    'reports every stage for 200 and 2000 objects',
    async () => {
      const outPath = join(tempDir, 'stages.json');
      await runQuick('stages.js', outPath);
      const report = JSON.parse(await readFile(outPath, 'utf8')) as StagesReport;
      for (const objects of [200, 2000]) {
        for (const stage of ['decode', 'handler', 'encode', 'JSON.parse', 'JSON.stringify']) {
          const result = report.results.find((r) => r.objects === objects && r.stage === stage);
          expect(result, `${objects}/${stage} missing`).toBeDefined();
          expect(result?.iterations, `${objects}/${stage} iterations`).toBeGreaterThan(0);
          expect(result?.medianMs, `${objects}/${stage} median`).toBeGreaterThan(0);
        }
      }
    },
    RUN_TIMEOUT_MS,
  );
});

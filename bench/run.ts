#!/usr/bin/env node
/**
 * The gRPC benchmark: load the function server (dist/main.js) and the
 * baseline server (baseline-server.ts) with the same pre-encoded requests
 * and report each cell as function figures against baseline figures.
 *
 * Every server run is a fresh child process, so each cell's peak RSS belongs
 * to that cell alone, and each spawn adds a startup sample. The load
 * generator is this process. It shares the machine's cores with the server,
 * which is why the report includes its CPU share.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { encodeRequest, FIXTURE_STATES, type FixtureState } from './fixtures.js';
import { RawRunFunctionClient, runLoadPhase, type LoadPhase } from './load.js';
import { baselineServerScript, benchOutputDir, functionServerScript, repoRoot } from './paths.js';
import {
  describeMachine,
  renderMarkdown,
  summarizeStartup,
  type BenchReport,
  type BenchSettings,
  type CellResult,
  type ServerFigures,
} from './report.js';
import { ServerProcess, type ServerCommand } from './server-process.js';

const OBJECT_COUNTS = [10, 200, 2000];
const CONCURRENCIES = [1, 4, 16];

/**
 * Largest request the servers accept: the SDK 0.7.0 server keeps grpc-js's
 * default receive limit of 4 MiB.
 */
const MAX_REQUEST_BYTES = 4 * 2 ** 20;

const FULL_TIMING = { warmupMs: 1000, durationMs: 3000 };
const QUICK_TIMING = { warmupMs: 100, durationMs: 250 };
const MAX_REQUESTS_PER_PHASE = 500_000;

const HELP = `Usage: npm run bench -- [flags]

Load the function server and a baseline server on the stock SDK with the same
RunFunction requests over loopback gRPC, print a markdown table of function
figures against baseline figures, and write them as JSON.

Flags:
  --quick          Warm up ${QUICK_TIMING.warmupMs} ms and measure ${QUICK_TIMING.durationMs} ms per cell instead of
                   ${FULL_TIMING.warmupMs} ms and ${FULL_TIMING.durationMs} ms. The figures are only a smoke test.
  --cpu-prof       Run the function server under node --cpu-prof and write one
                   profile per cell to build/bench/prof/.
  --out <file>     Where to write the JSON report. Default build/bench/results.json.
  -h, --help       Show this help.`;

interface Cell {
  objects: number;
  state: FixtureState;
  concurrency: number;
}

function parseFlags(): { quick: boolean; cpuProfile: boolean; outPath: string } {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      'cpu-prof': { type: 'boolean', default: false },
      out: { type: 'string', default: join(benchOutputDir, 'results.json') },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    process.exit(0);
  }
  return { quick: values.quick, cpuProfile: values['cpu-prof'], outPath: resolve(values.out) };
}

/** Encode the request of every object count and state once, up front. */
function encodeAllRequests(): Map<string, Buffer> {
  const requests = new Map<string, Buffer>();
  for (const objects of OBJECT_COUNTS) {
    for (const state of FIXTURE_STATES) {
      const bytes = encodeRequest(objects, state);
      if (bytes.length > MAX_REQUEST_BYTES) {
        throw new Error(
          `the ${objects}-object ${state} request is ${bytes.length} bytes, over the servers' ` +
            `receive limit of ${MAX_REQUEST_BYTES} bytes. Shrink the fixture in bench/fixtures.ts.`,
        );
      }
      requests.set(requestId(objects, state), bytes);
    }
  }
  return requests;
}

function requestId(objects: number, state: FixtureState): string {
  return `${objects}/${state}`;
}

/**
 * Start one server, warm it up, measure one load phase, read its figures and
 * stop it.
 */
async function measureServer(
  command: ServerCommand,
  request: Buffer,
  probeRequest: Buffer,
  concurrency: number,
  settings: BenchSettings,
): Promise<ServerFigures> {
  const { server, startupMs } = await ServerProcess.start(command, probeRequest);
  const client = new RawRunFunctionClient(server.address);
  try {
    const phase = (durationMs: number): LoadPhase => ({
      concurrency,
      durationMs,
      maxRequests: settings.maxRequestsPerPhase,
    });
    await runLoadPhase(client, request, phase(settings.warmupMs));

    const cpuBefore = await server.readCpuSeconds();
    const load = await runLoadPhase(client, request, phase(settings.durationMs));
    const cpuAfter = await server.readCpuSeconds();
    const peakRssBytes = await server.readPeakRssBytes();

    return {
      requests: load.requests,
      requestsPerSecond: load.requestsPerSecond,
      p50Ms: load.p50Ms,
      p99Ms: load.p99Ms,
      peakRssMiB: peakRssBytes / 2 ** 20,
      serverCpuMsPerRequest: ((cpuAfter - cpuBefore) * 1000) / load.requests,
      clientCpuShare: load.clientCpuSeconds / load.elapsedSeconds,
      responseBytes: load.responseBytes,
      startupMs,
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(
      `${command.label} server failed: ${message}\nServer output:\n${server.output}`,
      {
        cause: error,
      },
    );
  } finally {
    client.close();
    const ending = await server.stop();
    if (settings.cpuProfile && command.label === 'function' && ending !== 'exit code 0') {
      process.stderr.write(
        `warning: function server ended with ${ending}; its profile may be missing\n`,
      );
    }
  }
}

function profileFlags(cell: Cell): string[] {
  const name = `function-${cell.objects}-${cell.state}-c${cell.concurrency}.cpuprofile`;
  return ['--cpu-prof', '--cpu-prof-dir', join(benchOutputDir, 'prof'), '--cpu-prof-name', name];
}

async function main(): Promise<void> {
  const startedAt = performance.now();
  const machine = describeMachine();
  const flags = parseFlags();
  const timing = flags.quick ? QUICK_TIMING : FULL_TIMING;
  const settings: BenchSettings = {
    quick: flags.quick,
    cpuProfile: flags.cpuProfile,
    ...timing,
    maxRequestsPerPhase: MAX_REQUESTS_PER_PHASE,
  };

  const requests = encodeAllRequests();
  const probeRequest = requests.get(requestId(OBJECT_COUNTS[0] ?? 0, 'nothing-observed'));
  if (probeRequest === undefined) {
    throw new Error('no request encoded for the startup probe');
  }

  const cells: Cell[] = [];
  for (const objects of OBJECT_COUNTS) {
    for (const state of FIXTURE_STATES) {
      for (const concurrency of CONCURRENCIES) {
        cells.push({ objects, state, concurrency });
      }
    }
  }

  const results: CellResult[] = [];
  for (const [index, cell] of cells.entries()) {
    const request = requests.get(requestId(cell.objects, cell.state));
    if (request === undefined) {
      throw new Error(`no request encoded for ${requestId(cell.objects, cell.state)}`);
    }
    const functionCommand: ServerCommand = {
      label: 'function',
      script: functionServerScript,
      nodeFlags: flags.cpuProfile ? profileFlags(cell) : [],
    };
    const baselineCommand: ServerCommand = {
      label: 'baseline',
      script: baselineServerScript,
      nodeFlags: [],
    };

    // Alternate which server goes first, so that drift in the machine's
    // speed over a run does not always favour the same one.
    const order =
      index % 2 === 0 ? [functionCommand, baselineCommand] : [baselineCommand, functionCommand];
    const runs = new Map<string, ServerFigures>();
    for (const command of order) {
      const figures = await measureServer(
        command,
        request,
        probeRequest,
        cell.concurrency,
        settings,
      );
      runs.set(command.label, figures);
    }
    const fn = runs.get('function');
    const base = runs.get('baseline');
    if (fn === undefined || base === undefined) {
      throw new Error('a server run is missing from the cell');
    }

    results.push({
      ...cell,
      requestBytes: request.length,
      function: fn,
      baseline: base,
      ratios: {
        throughput: fn.requestsPerSecond / base.requestsPerSecond,
        p50: fn.p50Ms / base.p50Ms,
        p99: fn.p99Ms / base.p99Ms,
        peakRss: fn.peakRssMiB / base.peakRssMiB,
        serverCpuPerRequest: fn.serverCpuMsPerRequest / base.serverCpuMsPerRequest,
      },
    });
    process.stderr.write(
      `[${index + 1}/${cells.length}] ${cell.objects} objects, ${cell.state}, ` +
        `concurrency ${cell.concurrency}: ${fn.requestsPerSecond.toFixed(1)} rps, ` +
        `baseline ${base.requestsPerSecond.toFixed(1)} rps\n`,
    );
  }

  const functionStartup = summarizeStartup(results.map((cell) => cell.function.startupMs));
  const baselineStartup = summarizeStartup(results.map((cell) => cell.baseline.startupMs));
  const report: BenchReport = {
    generatedAt: new Date().toISOString(),
    command: [
      'npm run bench',
      ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : []),
    ].join(' '),
    machine,
    settings,
    startup: {
      function: functionStartup,
      baseline: baselineStartup,
      ratio: functionStartup.medianMs / baselineStartup.medianMs,
    },
    cells: results,
    totalSeconds: (performance.now() - startedAt) / 1000,
  };

  await mkdir(dirname(flags.outPath), { recursive: true });
  await writeFile(flags.outPath, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(
    `${renderMarkdown(report)}\n\nJSON report: ${relative(repoRoot, flags.outPath)}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(
    `benchmark failed: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});

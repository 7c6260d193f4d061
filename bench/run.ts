#!/usr/bin/env node
/**
 * The gRPC benchmark: load the function server (dist/main.js) and the
 * baseline server (baseline-server.ts) with the same pre-encoded requests
 * and report each cell as function figures against baseline figures.
 *
 * Each cell starts a fresh child process of both servers, so a server's peak
 * RSS belongs to that cell alone and each spawn adds a startup sample. The
 * two servers are loaded in turn, in alternating slices. The load generator
 * is this process. It shares the machine's cores with the server under load,
 * which is why the report includes its CPU share.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { RunFunctionResponse, Severity } from '@crossplane-org/function-sdk-typescript';
import { encodeRequest, FIXTURE_STATES, type FixtureState } from './fixtures.js';
import {
  RawRunFunctionClient,
  runLoadPhase,
  summarizeLoad,
  type LoadPhase,
  type LoadSample,
} from './load.js';
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

/**
 * Each server is warmed up for `warmupMs`, then measured for `durationMs` in
 * `slices` slices that alternate with the other server's. A phase of 0 ms
 * still sends one request per worker.
 */
const FULL_TIMING = { warmupMs: 1000, durationMs: 3000, slices: 4 };
const QUICK_TIMING = { warmupMs: 0, durationMs: 250, slices: 2 };
const MAX_REQUESTS_PER_PHASE = 500_000;

const HELP = `Usage: npm run bench -- [flags]

Load the function server and a baseline server on the stock SDK with the same
RunFunction requests over loopback gRPC, print a markdown table of function
figures against baseline figures, and write them as JSON.

Flags:
  --quick          Smoke run: one warm-up request per worker and ${QUICK_TIMING.durationMs} ms measured
                   per server and cell, instead of ${FULL_TIMING.warmupMs} ms and ${FULL_TIMING.durationMs} ms. Its figures
                   are too noisy to compare.
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

/** One server under load in a cell, with the figures collected so far. */
interface Contender {
  command: ServerCommand;
  server: ServerProcess;
  client: RawRunFunctionClient;
  startupMs: number;
  samples: LoadSample[];
  serverCpuSeconds: number;
  /** Desired composed resources in the server's response to the cell's request. */
  desiredResources: number;
}

/** Run `action` and add the server's label and recent output to any error. */
async function withServerContext<T>(contender: Contender, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(
      `${contender.command.label} server failed: ${message}\n` +
        `Server output:\n${contender.server.output}`,
      { cause: error },
    );
  }
}

/** Run one load phase against `contender` and add its figures when `record` is set. */
async function loadContender(
  contender: Contender,
  request: Buffer,
  phase: LoadPhase,
  record: boolean,
): Promise<void> {
  await withServerContext(contender, async () => {
    const cpuBefore = await contender.server.readCpuSeconds();
    const sample = await runLoadPhase(contender.client, request, phase);
    const cpuAfter = await contender.server.readCpuSeconds();
    if (record) {
      contender.samples.push(sample);
      contender.serverCpuSeconds += cpuAfter - cpuBefore;
    }
  });
}

/**
 * Send `request` once and decode the response, outside any timed phase.
 * Rejects on a Fatal result, because the figures would then measure the
 * function's error path. Resolves to the number of desired composed
 * resources in the response.
 */
async function checkResponse(contender: Contender, request: Buffer, cell: Cell): Promise<number> {
  const response = RunFunctionResponse.decode(await contender.client.callForResponse(request));
  const fatal = response.results.find((result) => result.severity === Severity.SEVERITY_FATAL);
  if (fatal !== undefined) {
    throw new Error(
      `returned a Fatal result for the ${cell.objects}-object ${cell.state} request: ` +
        `${fatal.message}. Update bench/fixtures.ts to match what the function expects.`,
    );
  }
  return Object.keys(response.desired?.resources ?? {}).length;
}

async function summarizeContender(contender: Contender): Promise<ServerFigures> {
  const load = summarizeLoad(contender.samples);
  const peakRssBytes = await withServerContext(contender, () =>
    contender.server.readPeakRssBytes(),
  );
  return {
    requests: load.requests,
    requestsPerSecond: load.requestsPerSecond,
    p50Ms: load.p50Ms,
    p99Ms: load.p99Ms,
    peakRssMiB: peakRssBytes / 2 ** 20,
    serverCpuMsPerRequest: (contender.serverCpuSeconds * 1000) / load.requests,
    clientCpuShare: load.clientCpuSeconds / load.elapsedSeconds,
    responseBytes: load.responseBytes,
    desiredResources: contender.desiredResources,
    startupMs: contender.startupMs,
  };
}

/**
 * Start a fresh process of each server, warm each up, then load them in
 * alternating slices, so that a change in the machine's speed during the
 * cell affects both servers alike. Returns each server's figures by label.
 */
async function measureCell(
  cell: Cell,
  request: Buffer,
  probeRequest: Buffer,
  commands: ServerCommand[],
  settings: BenchSettings,
): Promise<Map<string, ServerFigures>> {
  const contenders: Contender[] = [];
  try {
    for (const command of commands) {
      const { server, startupMs } = await ServerProcess.start(command, probeRequest);
      const client = new RawRunFunctionClient(server.address);
      contenders.push({
        command,
        server,
        client,
        startupMs,
        samples: [],
        serverCpuSeconds: 0,
        desiredResources: 0,
      });
    }

    const phase = (durationMs: number): LoadPhase => ({
      concurrency: cell.concurrency,
      durationMs,
      maxRequests: settings.maxRequestsPerPhase,
    });
    for (const contender of contenders) {
      contender.desiredResources = await withServerContext(contender, () =>
        checkResponse(contender, request, cell),
      );
      await loadContender(contender, request, phase(settings.warmupMs), false);
    }
    const sliceMs = settings.durationMs / settings.slices;
    for (let slice = 0; slice < settings.slices; slice++) {
      const order = slice % 2 === 0 ? contenders : [...contenders].reverse();
      for (const contender of order) {
        await loadContender(contender, request, phase(sliceMs), true);
      }
    }

    const figures = new Map<string, ServerFigures>();
    for (const contender of contenders) {
      figures.set(contender.command.label, await summarizeContender(contender));
    }
    return figures;
  } finally {
    for (const contender of contenders) {
      contender.client.close();
      const ending = await contender.server.stop();
      if (
        settings.cpuProfile &&
        contender.command.nodeFlags.length > 0 &&
        ending !== 'exit code 0'
      ) {
        process.stderr.write(
          `warning: ${contender.command.label} server ended with ${ending}, ` +
            'so its CPU profile may be missing\n',
        );
      }
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

    // Alternate which server starts first, so that neither always gets
    // the quieter machine.
    const commands =
      index % 2 === 0 ? [functionCommand, baselineCommand] : [baselineCommand, functionCommand];
    const runs = await measureCell(cell, request, probeRequest, commands, settings);
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

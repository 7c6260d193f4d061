/**
 * The benchmark report: its JSON shape, the machine description and the
 * markdown table printed at the end of a run.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg, totalmem } from 'node:os';
import type { FixtureState } from './fixtures.js';

/** Figures of one server in one cell. */
export interface ServerFigures {
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Peak resident set size (VmHWM) of the server process over its life, in MiB. */
  peakRssMiB: number;
  /** Server CPU time (user plus system) per request in the measured phase, in ms. */
  serverCpuMsPerRequest: number;
  /** Load generator CPU time over wall time in the measured phase. 1 means one full core. */
  clientCpuShare: number;
  responseBytes: number;
  /** Desired composed resources in the server's response, read once before the warm-up. */
  desiredResources: number;
  /** Time from spawn to the first successful call, in ms. */
  startupMs: number;
}

/** Function figures divided by baseline figures. */
export interface CellRatios {
  /** Function rps / baseline rps; below 1 means the function is slower. */
  throughput: number;
  /** Function p50 / baseline p50; above 1 means the function is slower. */
  p50: number;
  p99: number;
  peakRss: number;
  serverCpuPerRequest: number;
}

export interface CellResult {
  objects: number;
  state: FixtureState;
  concurrency: number;
  requestBytes: number;
  function: ServerFigures;
  baseline: ServerFigures;
  ratios: CellRatios;
}

export interface StartupSummary {
  samples: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
}

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  platform: string;
  /**
   * 1-minute load average when the run started. Other processes on the
   * machine take CPU from both servers and the load generator.
   */
  loadAverage: number;
}

export interface BenchSettings {
  quick: boolean;
  cpuProfile: boolean;
  warmupMs: number;
  /** Measured time per server and cell, split into `slices` alternating slices. */
  durationMs: number;
  slices: number;
  maxRequestsPerPhase: number;
}

export interface BenchReport {
  generatedAt: string;
  command: string;
  machine: MachineInfo;
  settings: BenchSettings;
  startup: {
    function: StartupSummary;
    baseline: StartupSummary;
    /** Function median / baseline median. */
    ratio: number;
  };
  cells: CellResult[];
  /** Wall time of the benchmark process, without the build before it, in seconds. */
  totalSeconds: number;
}

/** Describe the machine from node:os and /proc/cpuinfo. */
export function describeMachine(): MachineInfo {
  let cpuModel = 'unknown';
  try {
    const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
    cpuModel = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? cpuModel;
  } catch {
    // Not Linux: keep "unknown".
  }
  return {
    cpus: availableParallelism(),
    cpuModel,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverage: loadavg()[0] ?? Number.NaN,
  };
}

/** Return the median, minimum and maximum of `values`. */
export function summarizeStartup(values: number[]): StartupSummary {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median =
    sorted.length % 2 === 1
      ? (sorted[middle] ?? Number.NaN)
      : ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2;
  return {
    samples: sorted.length,
    medianMs: median,
    minMs: sorted[0] ?? Number.NaN,
    maxMs: sorted[sorted.length - 1] ?? Number.NaN,
  };
}

/** Format a number with about three significant digits. */
export function formatFigure(value: number): string {
  if (!Number.isFinite(value)) {
    return String(value);
  }
  const magnitude = Math.abs(value);
  if (magnitude >= 100) {
    return value.toFixed(0);
  }
  if (magnitude >= 10) {
    return value.toFixed(1);
  }
  if (magnitude >= 1) {
    return value.toFixed(2);
  }
  return value.toPrecision(2);
}

function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 20) {
    return `${(bytes / 2 ** 20).toFixed(2)} MiB`;
  }
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

/** Format "function / baseline (ratio)". */
function formatPair(functionValue: number, baselineValue: number, ratio: number): string {
  return `${formatFigure(functionValue)} / ${formatFigure(baselineValue)} (${ratio.toFixed(2)})`;
}

/** Render the report as markdown: machine, startup, then one table row per cell. */
export function renderMarkdown(report: BenchReport): string {
  const { machine, settings, startup } = report;
  const lines = [
    `Machine: ${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB, ` +
      `Node ${machine.node}, ${machine.platform}; load average ${machine.loadAverage.toFixed(2)} at start.`,
    `Command: \`${report.command}\`; warm-up ${settings.warmupMs} ms and ` +
      `${settings.durationMs} ms measured per server and cell, in ${settings.slices} slices ` +
      'that alternate between the servers' +
      `${settings.cpuProfile ? '; function server under --cpu-prof' : ''}.`,
    '',
    'Each figure is "function / baseline (function ÷ baseline)".',
    '',
    `Startup to first successful call, median of ${startup.function.samples}: ` +
      `${formatPair(startup.function.medianMs, startup.baseline.medianMs, startup.ratio)} ms ` +
      `(function range ${formatFigure(startup.function.minMs)}–${formatFigure(startup.function.maxMs)} ms).`,
    '',
    '| objects | state | conc. | request | rps | p50 ms | p99 ms | peak RSS MiB | server CPU ms/req | client CPU |',
    '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const cell of report.cells) {
    const fn = cell.function;
    const base = cell.baseline;
    const ratios = cell.ratios;
    const row = [
      String(cell.objects),
      cell.state,
      String(cell.concurrency),
      formatBytes(cell.requestBytes),
      formatPair(fn.requestsPerSecond, base.requestsPerSecond, ratios.throughput),
      formatPair(fn.p50Ms, base.p50Ms, ratios.p50),
      formatPair(fn.p99Ms, base.p99Ms, ratios.p99),
      formatPair(fn.peakRssMiB, base.peakRssMiB, ratios.peakRss),
      formatPair(fn.serverCpuMsPerRequest, base.serverCpuMsPerRequest, ratios.serverCpuPerRequest),
      `${(fn.clientCpuShare * 100).toFixed(0)}% / ${(base.clientCpuShare * 100).toFixed(0)}%`,
    ];
    lines.push(`| ${row.join(' | ')} |`);
  }
  lines.push('', `Benchmark time, without the build: ${report.totalSeconds.toFixed(0)} s.`);
  return lines.join('\n');
}

#!/usr/bin/env node
/**
 * In-process micro-benchmark of the stages of one RunFunction call on the
 * `all-ready` requests. It times protobuf decode with the server's codec
 * (dist/codec.js) and with the SDK's, the handler from dist/function.js, and
 * protobuf encode with both codecs. JSON.parse and JSON.stringify of the same
 * request give the scale. Each stage is one entry in {@link STAGES}, so that
 * a handler split into parse, compose and status steps adds one line per
 * step.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { pino, type Logger } from 'pino';
import { RunFunctionRequest, RunFunctionResponse } from '@crossplane-org/function-sdk-typescript';
import { encodeRequest } from './fixtures.js';
import { quantile } from './load.js';
import { benchOutputDir, codecModule, functionModule, repoRoot } from './paths.js';
import { describeMachine, formatFigure, type MachineInfo } from './report.js';

const OBJECT_COUNTS = [200, 2000];

const FULL_LIMITS = { warmupIterations: 5, maxIterations: 200, maxMs: 3000 };
const QUICK_LIMITS = { warmupIterations: 1, maxIterations: 5, maxMs: 500 };

type Handler = (request: RunFunctionRequest, log: Logger) => Promise<RunFunctionResponse>;

/** The exports of dist/codec.js that the stages call. */
interface Codec {
  decodeRunFunctionRequest: (bytes: Uint8Array) => RunFunctionRequest;
  encodeRunFunctionResponse: (response: RunFunctionResponse) => Uint8Array;
}

/** The data the stages work on, prepared once per request. */
interface StageFixture {
  requestBytes: Buffer;
  request: RunFunctionRequest;
  /** The request in proto3 JSON form, as an object and as a string. */
  requestJsonObject: unknown;
  requestJson: string;
  response: RunFunctionResponse;
  handler: Handler;
  codec: Codec;
  log: Logger;
}

/**
 * One measured stage. `prepare` runs untimed before every call and returns
 * the call to time.
 */
interface Stage {
  name: string;
  prepare: (fixture: StageFixture) => () => unknown;
}

/**
 * The stages, in pipeline order. The handler gets a freshly decoded request
 * on every call, because handlers may write into the request: the SDK's
 * `to()` hands back `req.desired` itself as the response's desired state.
 */
const STAGES: Stage[] = [
  { name: 'decode', prepare: (f) => () => f.codec.decodeRunFunctionRequest(f.requestBytes) },
  { name: 'decode (SDK)', prepare: (f) => () => RunFunctionRequest.decode(f.requestBytes) },
  {
    name: 'handler',
    prepare: (f) => bindHandler(f, f.codec.decodeRunFunctionRequest(f.requestBytes)),
  },
  { name: 'encode', prepare: (f) => () => f.codec.encodeRunFunctionResponse(f.response) },
  { name: 'encode (SDK)', prepare: (f) => () => RunFunctionResponse.encode(f.response).finish() },
  { name: 'JSON.parse', prepare: (f) => () => JSON.parse(f.requestJson) },
  { name: 'JSON.stringify', prepare: (f) => () => JSON.stringify(f.requestJsonObject) },
];

function bindHandler(fixture: StageFixture, request: RunFunctionRequest): () => unknown {
  return () => fixture.handler(request, fixture.log);
}

export interface StageResult {
  objects: number;
  stage: string;
  requestBytes: number;
  iterations: number;
  medianMs: number;
  p90Ms: number;
  minMs: number;
}

export interface StagesReport {
  generatedAt: string;
  command: string;
  machine: MachineInfo;
  limits: typeof FULL_LIMITS;
  results: StageResult[];
}

async function loadHandler(): Promise<Handler> {
  const module: unknown = await import(pathToFileURL(functionModule).href);
  const handler = (module as { runFunction?: unknown }).runFunction;
  if (typeof handler !== 'function') {
    throw new Error(
      `${functionModule} does not export runFunction. Run npm run build to rebuild it.`,
    );
  }
  return handler as Handler;
}

async function loadCodec(): Promise<Codec> {
  const module = (await import(pathToFileURL(codecModule).href)) as Partial<Codec>;
  const { decodeRunFunctionRequest, encodeRunFunctionResponse } = module;
  if (
    typeof decodeRunFunctionRequest !== 'function' ||
    typeof encodeRunFunctionResponse !== 'function'
  ) {
    throw new Error(
      `${codecModule} does not export decodeRunFunctionRequest and encodeRunFunctionResponse. Run npm run build to rebuild it.`,
    );
  }
  return { decodeRunFunctionRequest, encodeRunFunctionResponse };
}

/**
 * Time `stage` on `fixture`: warm-up calls first, then calls until
 * `limits.maxIterations` or `limits.maxMs`, whichever comes first.
 */
async function measureStage(
  stage: Stage,
  fixture: StageFixture,
  limits: typeof FULL_LIMITS,
): Promise<Omit<StageResult, 'objects' | 'requestBytes'>> {
  for (let i = 0; i < limits.warmupIterations; i++) {
    await stage.prepare(fixture)();
  }
  const durationsMs = new Float64Array(limits.maxIterations);
  const deadline = performance.now() + limits.maxMs;
  let iterations = 0;
  while (iterations < limits.maxIterations && performance.now() < deadline) {
    const call = stage.prepare(fixture);
    const startNs = process.hrtime.bigint();
    await call();
    durationsMs[iterations++] = Number(process.hrtime.bigint() - startNs) / 1e6;
  }
  const sorted = durationsMs.subarray(0, iterations).sort();
  return {
    stage: stage.name,
    iterations,
    medianMs: quantile(sorted, 0.5),
    p90Ms: quantile(sorted, 0.9),
    minMs: sorted[0] ?? Number.NaN,
  };
}

function renderMarkdown(report: StagesReport): string {
  const lines = [
    '| objects | request | stage | median ms | p90 ms | min ms | iterations |',
    '| ---: | ---: | --- | ---: | ---: | ---: | ---: |',
  ];
  for (const result of report.results) {
    const row = [
      String(result.objects),
      `${(result.requestBytes / 2 ** 20).toFixed(2)} MiB`,
      result.stage,
      formatFigure(result.medianMs),
      formatFigure(result.p90Ms),
      formatFigure(result.minMs),
      String(result.iterations),
    ];
    lines.push(`| ${row.join(' | ')} |`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      out: { type: 'string', default: join(benchOutputDir, 'stages.json') },
    },
    strict: true,
  });
  const limits = values.quick ? QUICK_LIMITS : FULL_LIMITS;
  const handler = await loadHandler();
  const codec = await loadCodec();
  const log = pino({ level: 'silent' });

  const results: StageResult[] = [];
  for (const objects of OBJECT_COUNTS) {
    const requestBytes = encodeRequest(objects, 'all-ready');
    const request = RunFunctionRequest.decode(requestBytes);
    const requestJsonObject = RunFunctionRequest.toJSON(request);
    const fixture: StageFixture = {
      requestBytes,
      request,
      requestJsonObject,
      requestJson: JSON.stringify(requestJsonObject),
      response: await handler(RunFunctionRequest.decode(requestBytes), log),
      handler,
      codec,
      log,
    };
    for (const stage of STAGES) {
      const result = await measureStage(stage, fixture, limits);
      results.push({ objects, requestBytes: requestBytes.length, ...result });
      process.stderr.write(
        `${objects} objects, ${stage.name}: median ${result.medianMs.toFixed(2)} ms\n`,
      );
    }
  }

  const report: StagesReport = {
    generatedAt: new Date().toISOString(),
    command: [
      'npm run bench:stages',
      ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : []),
    ].join(' '),
    machine: describeMachine(),
    limits,
    results,
  };
  const outPath = resolve(values.out);
  await mkdir(dirname(outPath), { recursive: true });
  await writeFile(outPath, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(
    `${renderMarkdown(report)}\n\nJSON report: ${relative(repoRoot, outPath)}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(
    `stage benchmark failed: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});

#!/usr/bin/env node
/**
 * Summarize the CPU profiles that `npm run bench -- --cpu-prof` writes: for
 * each profile, the share of the server's busy time spent decoding requests,
 * in the handler, encoding responses, in garbage collection, and elsewhere
 * (grpc-js, Node's HTTP/2, logging, module loading).
 *
 * Usage: node build/bench/js/profile-summary.js FILE.cpuprofile...
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

/** The parts of Node's .cpuprofile format (a Chrome DevTools Profile) read here. */
interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

type Stage = 'decode' | 'handler' | 'encode' | 'GC' | 'other';

const STAGES: Stage[] = ['decode', 'handler', 'encode', 'GC', 'other'];

/**
 * Returns the stage of a call frame, or undefined if the frame belongs to
 * none. The names cover the server's codec functions and the SDK's generated encode,
 * which the handler called to measure responses before it used the codec.
 */
function stageOfFrame(frame: { functionName: string; url: string }): Stage | undefined {
  switch (frame.functionName) {
    case 'decodeRequest':
    case 'decodeRunFunctionRequest':
      return 'decode';
    case 'encodeResponse':
    case 'encodeRunFunctionResponse':
      return 'encode';
    case 'encode':
      return frame.url.endsWith('/run_function.js') ? 'encode' : undefined;
    case 'runFunction':
      return frame.url.endsWith('/function.js') ? 'handler' : undefined;
    default:
      return undefined;
  }
}

/** Returns busy time per stage in microseconds. Idle time is left out. */
function summarize(profile: CpuProfile): Map<Stage, number> {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes) {
    for (const child of node.children ?? []) parents.set(child, node.id);
  }

  // Each sample counts under the innermost stage on its stack.
  const stageOfNode = new Map<number, Stage | 'idle'>();
  const resolve = (id: number): Stage | 'idle' => {
    const known = stageOfNode.get(id);
    if (known !== undefined) return known;
    const leaf = nodes.get(id)?.callFrame.functionName;
    let stage: Stage | 'idle' = 'other';
    if (leaf === '(idle)') {
      stage = 'idle';
    } else if (leaf === '(garbage collector)') {
      stage = 'GC';
    } else {
      for (let current: number | undefined = id; current !== undefined;) {
        const node = nodes.get(current);
        const found = node === undefined ? undefined : stageOfFrame(node.callFrame);
        if (found !== undefined) {
          stage = found;
          break;
        }
        current = parents.get(current);
      }
    }
    stageOfNode.set(id, stage);
    return stage;
  };

  const totals = new Map<Stage, number>(STAGES.map((stage) => [stage, 0]));
  profile.samples.forEach((id, index) => {
    const stage = resolve(id);
    if (stage === 'idle') return;
    totals.set(stage, (totals.get(stage) ?? 0) + (profile.timeDeltas[index] ?? 0));
  });
  return totals;
}

function main(): void {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    process.stderr.write('usage: node build/bench/js/profile-summary.js FILE.cpuprofile...\n');
    process.exit(2);
  }
  const lines = [
    `| profile | busy ms | ${STAGES.join(' | ')} |`,
    `| --- | ---: | ${STAGES.map(() => '---:').join(' | ')} |`,
  ];
  for (const file of files) {
    const totals = summarize(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
    const busy = [...totals.values()].reduce((sum, value) => sum + value, 0);
    const shares = STAGES.map((stage) => `${Math.round((100 * (totals.get(stage) ?? 0)) / busy)}%`);
    lines.push(`| ${basename(file)} | ${Math.round(busy / 1000)} | ${shares.join(' | ')} |`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

main();

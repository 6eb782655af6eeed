/**
 * The engine alone, in process: decide() over the same mix of calls at 10 and at 100k rules, to
 * show that the exact-value index makes thousands of rules cost about what ten do.
 *
 * Usage: npx tsx bench/engine.bench.ts [--sizes 10,1000,100000] [--seconds 1] [--json]
 */
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { decide } from '../src/engine/decide.js';
import { buildRuleSet } from '../src/rules/build-rule-set.js';
import type { RuleSet } from '../src/engine/rule-set.js';
import type { CallActionPayload } from '../src/types/generated/call-action.js';
import { generateRequests, generateRuleFiles } from './generate-rules.js';

export interface EngineResult {
  rules: number;
  buildMs: number;
  nsPerDecision: number;
  wrong: number;
}

interface Prepared {
  rules: number;
  buildMs: number;
  wrong: number;
  ruleSet: RuleSet;
  calls: CallActionPayload[];
  samples: number[];
}

function prepare(size: number): Prepared {
  const files = generateRuleFiles(size);
  const settings = files.find((f) => f.file === 'settings.yaml');
  const t0 = performance.now();
  const built = buildRuleSet({ ruleFiles: files.filter((f) => f !== settings), ...(settings ? { settings } : {}) });
  const buildMs = performance.now() - t0;
  if (!built.ruleSet) throw new Error(`generated rules do not build: ${built.diagnostics[0]?.message}`);
  const ruleSet = built.ruleSet;
  const requests = generateRequests(size, 1000);
  const calls = requests.map((r, n) => ({ eventId: `e${n}`, ...r.payload }) as unknown as CallActionPayload);
  const wrong = calls.filter((c, n) => decide(ruleSet, c).response.clientActionId !== requests[n]!.expect).length;
  return { rules: size, buildMs, wrong, ruleSet, calls, samples: [] };
}

let sink = 0;
/** Nanoseconds per decide() over `ms` milliseconds of calls from the mix. */
function sample(p: Prepared, ms: number): number {
  let iterations = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(ms * 1e6));
  while (process.hrtime.bigint() < deadline) {
    for (let i = 0; i < 1000; i++) sink += decide(p.ruleSet, p.calls[i]!).response.callflow.length;
    iterations += 1000;
  }
  return Number(process.hrtime.bigint() - start) / iterations;
}

/** Sizes take turns in short slices, so that a noisy neighbour slows all of them alike; medians reported. */
export function benchEngine(sizes: readonly number[], seconds: number): EngineResult[] {
  const prepared = sizes.map(prepare);
  for (const p of prepared) sample(p, 200); // warm up the JIT
  const slices = 10;
  for (let k = 0; k < slices; k++) for (const p of prepared) p.samples.push(sample(p, (seconds * 1000) / slices));
  if (sink < 0) throw new Error('unreachable'); // keeps the loop from being optimised away
  return prepared.map((p) => {
    const sorted = [...p.samples].sort((a, b) => a - b);
    return { rules: p.rules, buildMs: p.buildMs, nsPerDecision: sorted[sorted.length >> 1]!, wrong: p.wrong };
  });
}

export function engineTable(results: readonly EngineResult[]): string {
  const base = results[0];
  const rows = results.map(
    (r) =>
      `| ${r.rules.toLocaleString('en-US')} | ${(r.nsPerDecision / 1000).toFixed(2)} µs | ${Math.round(1e9 / r.nsPerDecision).toLocaleString('en-US')} | ${base ? (r.nsPerDecision / base.nsPerDecision).toFixed(2) : '-'}× | ${(r.buildMs / 1000).toFixed(1)} s | ${r.wrong} |`,
  );
  return ['| rules | time per decide() (median of 10 slices) | decisions/s (one core) | cost vs the smallest set | build (parse + compile) | wrong answers |', '|---:|---:|---:|---:|---:|---:|', ...rows].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { sizes: { type: 'string', default: '10,1000,100000' }, seconds: { type: 'string', default: '1' }, json: { type: 'boolean', default: false } } });
  const results = benchEngine(values.sizes.split(',').map(Number), Number(values.seconds));
  process.stdout.write(values.json ? `${JSON.stringify(results)}\n` : `${engineTable(results)}\n`);
}

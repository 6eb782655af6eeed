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
import type { CallActionPayload } from '../src/types/generated/call-action.js';
import { generateRequests, generateRuleFiles } from './generate-rules.js';

export interface EngineResult {
  rules: number;
  buildMs: number;
  nsPerDecision: number;
  wrong: number;
}

export function benchEngine(size: number, seconds: number): EngineResult {
  const files = generateRuleFiles(size);
  const settings = files.find((f) => f.file === 'settings.yaml');
  const t0 = performance.now();
  const built = buildRuleSet({ ruleFiles: files.filter((f) => f !== settings), ...(settings ? { settings } : {}) });
  const buildMs = performance.now() - t0;
  if (!built.ruleSet) throw new Error(`generated rules do not build: ${built.diagnostics[0]?.message}`);
  const ruleSet = built.ruleSet;
  const calls = generateRequests(size, 1000).map((r, n) => ({ payload: { eventId: `e${n}`, ...r.payload } as unknown as CallActionPayload, expect: r.expect }));
  const wrong = calls.filter((c) => decide(ruleSet, c.payload).response.clientActionId !== c.expect).length;

  let sink = 0;
  const loop = (iterations: number) => {
    for (let i = 0; i < iterations; i++) sink += decide(ruleSet, calls[i % calls.length]!.payload).response.callflow.length;
  };
  loop(50_000); // warm up the JIT
  let iterations = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(seconds * 1e9));
  while (process.hrtime.bigint() < deadline) {
    loop(10_000);
    iterations += 10_000;
  }
  const ns = Number(process.hrtime.bigint() - start) / iterations;
  if (sink < 0) throw new Error('unreachable'); // keeps the loop from being optimised away
  return { rules: size, buildMs, nsPerDecision: ns, wrong };
}

export function engineTable(results: readonly EngineResult[]): string {
  const base = results[0];
  const rows = results.map(
    (r) =>
      `| ${r.rules.toLocaleString('en-US')} | ${(r.nsPerDecision / 1000).toFixed(2)} µs | ${Math.round(1e9 / r.nsPerDecision).toLocaleString('en-US')} | ${base ? (r.nsPerDecision / base.nsPerDecision).toFixed(2) : '-'}× | ${(r.buildMs / 1000).toFixed(1)} s | ${r.wrong} |`,
  );
  return [
    '| rules | time per decide() | decisions/s (one core) | cost vs the smallest set | build (parse + compile) | wrong answers |',
    '|---:|---:|---:|---:|---:|---:|',
    ...rows,
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { sizes: { type: 'string', default: '10,1000,100000' }, seconds: { type: 'string', default: '1' }, json: { type: 'boolean', default: false } } });
  const results = values.sizes.split(',').map((s) => benchEngine(Number(s), Number(values.seconds)));
  process.stdout.write(values.json ? `${JSON.stringify(results)}\n` : `${engineTable(results)}\n`);
}

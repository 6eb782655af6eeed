/**
 * Masking pairs: how long a pairs table of 10 to 100k rows takes to load (parse + check +
 * index, as on every reload), and what one pair lookup costs through decide() at each size.
 * The lookup is two Map reads, so 100k rows should cost about what 10 do.
 *
 * Usage: npx tsx bench/pairs.bench.ts [--sizes 10,1000,100000] [--seconds 1]
 */
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { decide } from '../src/engine/decide.js';
import { makeCallActionPayload } from '../src/events/make-event.js';
import { buildRuleSet } from '../src/rules/build-rule-set.js';

export interface PairsResult {
  rows: number;
  megabytes: number;
  loadMs: number;
  nsPerDecision: number;
  wrong: number;
}

const RULES = 'rules:\n  - id: masked\n    then: [{ makeCall: other-party }]\n    else: [hangup]\n';
const partyA = (i: number) => `+659${String(i).padStart(7, '0')}`;
const partyB = (i: number) => `+658${String(i).padStart(7, '0')}`;

export function pairsTable(rows: number): string {
  const lines = ['virtualNumber,partyA,partyB,expires'];
  for (let i = 0; i < rows; i++) lines.push(`vn-ref-${i % 100},${partyA(i)},${partyB(i)},2099-01-01T00:00:00+08:00`);
  return `${lines.join('\n')}\n`;
}

export function benchPairs(rows: number, seconds: number): PairsResult {
  const text = pairsTable(rows);
  const loads: number[] = [];
  let built;
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    built = buildRuleSet({ ruleFiles: [{ file: 'r.yaml', text: RULES }], settings: { file: 'settings.yaml', text: 'voiceProfile: en-US-ZiraRUS\n' }, pairFiles: [{ file: 'pairs.csv', text }] });
    loads.push(performance.now() - t0);
  }
  const ruleSet = built?.ruleSet;
  if (!ruleSet) throw new Error(`pairs do not build: ${built?.diagnostics[0]?.message}`);
  const calls = Array.from({ length: 1000 }, (_, n) => {
    const i = (n * 7919) % rows;
    return { payload: makeCallActionPayload({ destinationRefId: `vn-ref-${i % 100}`, source: partyB(i), sessionId: `s${n}` }), expect: partyA(i) };
  });
  const destination = (p: (typeof calls)[number]['payload']) => {
    const step = decide(ruleSet, p).response.callflow[0];
    return step?.action === 'makeCall' ? step.params.destination : undefined;
  };
  const wrong = calls.filter((c) => destination(c.payload) !== c.expect).length;

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
  loads.sort((a, b) => a - b);
  return { rows, megabytes: text.length / 1e6, loadMs: loads[2]!, nsPerDecision: ns, wrong };
}

export function pairsTableMarkdown(results: readonly PairsResult[]): string {
  const base = results[0];
  return [
    '| pairs rows | table size | load (median of 5) | time per decide() with a pair lookup | cost vs the smallest table | wrong answers |',
    '|---:|---:|---:|---:|---:|---:|',
    ...results.map(
      (r) =>
        `| ${r.rows.toLocaleString('en-US')} | ${r.megabytes.toFixed(1)} MB | ${r.loadMs.toFixed(0)} ms | ${(r.nsPerDecision / 1000).toFixed(2)} µs | ${base ? (r.nsPerDecision / base.nsPerDecision).toFixed(2) : '-'}× | ${r.wrong} |`,
    ),
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { sizes: { type: 'string', default: '10,1000,10000,100000' }, seconds: { type: 'string', default: '1' } } });
  const results = values.sizes.split(',').map((s) => benchPairs(Number(s), Number(values.seconds)));
  console.log(pairsTableMarkdown(results));
}

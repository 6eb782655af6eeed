import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { deserialize, serialize } from 'node:v8';
import { indexRules } from '../src/rules/build-rule-set.js';
import { loadRules } from '../src/rules/load-rules.js';
import { RulesLoaderWorker } from '../src/reload/load-rules-in-worker.js';
import { generateRules } from './make-rules-folder.js';

/**
 * How long loading a big rules folder takes, and how long it blocks the thread that answers
 * calls. Usage: npm run bench:reload [-- rules=100000 files=1]
 */
const args = Object.fromEntries(process.argv.slice(2).map((a) => a.split('=') as [string, string]));
const count = Number(args.rules ?? 100_000);
const files = Number(args.files ?? 1);
const dir = join(tmpdir(), `reload-bench-${count}-${files}`);
await generateRules(dir, count, files);

const ms = (start: number) => Math.round(performance.now() - start);
const row = (what: string, value: string) => console.log(`${what.padEnd(58)} ${value}`);
console.log(`${count} rules in ${files} file(s)`);

let t = performance.now();
const startup = await loadRules(dir);
if (!startup.ruleSet) throw new Error(`generated rules do not load: ${JSON.stringify(startup.diagnostics.slice(0, 3))}`);
row('startup: loadRules on the main thread (blocks it)', `${ms(t)} ms`);

// The benchmark measures big loads on a busy machine: a budget that never stops them.
const loader = new RulesLoaderWorker({ timeoutMs: 3_600_000, memoryMb: 4096 }).warmUp();
await loader.load(dir); // first load also boots the worker's modules
for (let run = 1; run <= 2; run++) {
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  t = performance.now();
  const result = await loader.load(dir);
  const total = ms(t);
  delay.disable();
  if (result.ruleSet?.rules.length !== count) throw new Error('worker load lost rules');
  row(`reload ${run}: in the worker, total`, `${total} ms`);
  row(`reload ${run}: longest main-thread step (one chunk: deserialise + index)`, `${Math.round(loader.lastLoad?.longestStepMs ?? 0)} ms over ${loader.lastLoad?.chunks} chunks`);
  row(`reload ${run}: longest event-loop delay (includes GC, CPU contention)`, `${Math.round(delay.max / 1e6)} ms`);
}
await loader.close();

// The alternatives the worker design was chosen over, measured on the same rules.
t = performance.now();
const whole = serialize(startup.ruleSet.rules);
const serializeMs = ms(t);
t = performance.now();
const rules = deserialize(whole) as typeof startup.ruleSet.rules;
row('alternative: all rules in one message (deserialise, blocks)', `${ms(t)} ms (serialise ${serializeMs} ms in the worker)`);
t = performance.now();
indexRules(rules);
row('index rebuilt on the main thread (blocks)', `${ms(t)} ms`);

await rm(dir, { recursive: true, force: true });

import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RulesLoaderWorker } from '../src/reload/load-rules-in-worker.js';
import { generateRuleFiles, writeRuleFiles } from './generate-rules.js';
const dir = join(await mkdtemp(join(tmpdir(), 'rss-')), 'rules');
await writeRuleFiles(dir, generateRuleFiles(100_000));
const loader = new RulesLoaderWorker({ timeoutMs: 600_000, memoryMb: 4096 }).warmUp();
let kept: unknown;
const mb = (n: number) => (n / 2 ** 20).toFixed(0);
for (let i = 0; i < 6; i++) {
  kept = (await loader.load(dir)).ruleSet;
  const m = process.memoryUsage();
  console.log(
    `load ${i}: rss ${mb(m.rss)} heap ${mb(m.heapUsed)}/${mb(m.heapTotal)} external ${mb(m.external)} arrayBuffers ${mb(m.arrayBuffers)} read ${loader.lastLoad?.readMs.toFixed(0)} ms adopt ${loader.lastLoad?.adoptMs.toFixed(1)} ms`,
  );
}
void kept;
await loader.close();

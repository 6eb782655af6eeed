import { getHeapStatistics } from 'node:v8';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { RuleSources } from '../rules/build-rule-set.js';
import { compileRules, loadRules, type LoadResult } from '../rules/load-rules.js';
import { packRuleSet, type PackedRuleSet } from '../rules/packed-rule-set.js';
import { readRulesDir } from '../rules/read-rules-dir.js';
import type { FromWorker, ToWorker } from './load-rules-in-worker.js';
import { cacheKey, writeCachedRules } from './rules-cache.js';

/**
 * Runs in the loader's own process: loads the folder exactly as `validate` does, packs the rule
 * set into flat buffers and hands it over in one message; then, with a cache folder, writes the
 * packed set there for the next start (after the answer, so it costs the server nothing).
 */
const send = process.send?.bind(process);
if (!send) throw new Error('reload-worker must run as a forked process with an IPC channel');
// The server went away: nothing is left to load for.
process.on('disconnect', () => process.exit(0));

process.on('message', (message: ToWorker) => {
  send({ type: 'started' } satisfies FromWorker);
  void load(message.dir, message.cacheDir);
});

async function load(dir: string, cacheDir: string | undefined): Promise<void> {
  // With a cache, the files are read first so that the entry is keyed by exactly what was compiled.
  const sources = cacheDir ? await readRulesDir(dir).catch(() => undefined) : undefined;
  const result: LoadResult = sources ? compileRules(dir, sources) : await loadRules(dir);
  const { diagnostics } = result;
  // The texts of the files the diagnostics name, so that they can be printed with their lines.
  const named = new Set(diagnostics.map((d) => d.file));
  const texts = [...result.texts].filter(([file]) => named.has(file));
  const heapMb = () => getHeapStatistics().used_heap_size / 2 ** 20;
  if (!result.ruleSet) return void send!({ type: 'done', diagnostics, texts, heapMb: heapMb() } satisfies FromWorker);
  const packed = packRuleSet(result.ruleSet);
  send!({ type: 'done', diagnostics, texts, packed, heapMb: heapMb() } satisfies FromWorker);
  if (!cacheDir) return;
  if (sources) await cache(cacheDir, sources, packed, diagnostics);
  send!({ type: 'cached' } satisfies FromWorker);
}

async function cache(cacheDir: string, sources: RuleSources, packed: PackedRuleSet, diagnostics: Diagnostic[]): Promise<void> {
  try {
    await writeCachedRules(cacheDir, await cacheKey(sources), { packed, diagnostics });
  } catch (e) {
    process.stderr.write(`warning: could not write the compiled-rules cache in ${cacheDir}: ${e instanceof Error ? e.message : String(e)}\n`);
  }
}

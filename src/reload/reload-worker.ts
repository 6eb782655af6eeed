import { open, rm } from 'node:fs/promises';
import { getHeapStatistics } from 'node:v8';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { RuleSources } from '../rules/build-rule-set.js';
import { compileRules, loadRules, type LoadResult } from '../rules/load-rules.js';
import { encodePackedRuleSet } from '../rules/packed-file.js';
import { packRuleSet, type PackedRuleSet } from '../rules/packed-rule-set.js';
import { readRulesDir } from '../rules/read-rules-dir.js';
import { handOverFile, sweepHandOvers } from './hand-over-files.js';
import type { FromWorker, ToWorker } from './load-rules-in-worker.js';
import { cacheKey, writeCachedRules } from './rules-cache.js';

/**
 * Runs in the loader's own process: loads the folder exactly as `validate` does, packs the rule
 * set into flat buffers and hands them over in a file (src/rules/packed-file.ts) that the server
 * reads off its main thread: the same 50 MB as an IPC message were copied on the thread that
 * answers calls (a 80–430 ms stall). Then, with a cache folder, it writes the packed set there
 * for the next start (after the answer, so it costs the server nothing).
 */
const send = process.send?.bind(process);
if (!send) throw new Error('reload-worker must run as a forked process with an IPC channel');
// The server went away: nothing is left to load for.
process.on('disconnect', () => process.exit(0));
// Files left by loaders that died before the server read them; ours are named by our own pid.
void sweepHandOvers();

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
  const file = handOverFile(process.pid, ++handoffs);
  try {
    await writeParts(file, encodePackedRuleSet(packed));
    send!({ type: 'done', diagnostics, texts, file, heapMb: heapMb() } satisfies FromWorker);
  } catch {
    // No room in the temporary folder: the message itself carries the rules, as it always can.
    await rm(file, { force: true }).catch(() => undefined);
    send!({ type: 'done', diagnostics, texts, packed, heapMb: heapMb() } satisfies FromWorker);
  }
  if (!cacheDir) return;
  if (sources) await cache(cacheDir, sources, packed, diagnostics);
  send!({ type: 'cached' } satisfies FromWorker);
}

let handoffs = 0;

/** Writes `parts` to `file` one after another; the server removes the file once it has read it. */
async function writeParts(file: string, parts: Buffer[]): Promise<void> {
  // 'wx': never through a file or link someone else put at this name in a shared /tmp.
  const handle = await open(file, 'wx', 0o600);
  try {
    const { bytesWritten } = await handle.writev(parts);
    if (bytesWritten !== parts.reduce((n, p) => n + p.length, 0)) throw new Error(`short write to ${file}`);
  } finally {
    await handle.close();
  }
}

async function cache(cacheDir: string, sources: RuleSources, packed: PackedRuleSet, diagnostics: Diagnostic[]): Promise<void> {
  try {
    await writeCachedRules(cacheDir, await cacheKey(sources), { packed, diagnostics });
  } catch (e) {
    process.stderr.write(`warning: could not write the compiled-rules cache in ${cacheDir}: ${e instanceof Error ? e.message : String(e)}\n`);
  }
}

import { getHeapStatistics } from 'node:v8';
import { loadRules } from '../rules/load-rules.js';
import { packRuleSet } from '../rules/packed-rule-set.js';
import type { FromWorker, ToWorker } from './load-rules-in-worker.js';

/**
 * Runs in the loader's own process: loads the folder exactly as `validate` does, packs the rule
 * set into flat buffers and hands it over in one message.
 */
const send = process.send?.bind(process);
if (!send) throw new Error('reload-worker must run as a forked process with an IPC channel');
// The server went away: nothing is left to load for.
process.on('disconnect', () => process.exit(0));

process.on('message', (message: ToWorker) => {
  send({ type: 'started' } satisfies FromWorker);
  void load(message.dir);
});

async function load(dir: string): Promise<void> {
  const result = await loadRules(dir);
  const { diagnostics } = result;
  // The texts of the files the diagnostics name, so that they can be printed with their lines.
  const named = new Set(diagnostics.map((d) => d.file));
  const texts = [...result.texts].filter(([file]) => named.has(file));
  const heapMb = () => getHeapStatistics().used_heap_size / 2 ** 20;
  if (!result.ruleSet) return void send!({ type: 'done', diagnostics, texts, heapMb: heapMb() } satisfies FromWorker);
  const packed = packRuleSet(result.ruleSet);
  send!({ type: 'done', diagnostics, texts, packed, heapMb: heapMb() } satisfies FromWorker);
}

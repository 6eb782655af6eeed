import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import { parentPort } from 'node:worker_threads';
import { loadRules } from '../rules/load-rules.js';
import { packedBuffers, packRuleSet } from '../rules/packed-rule-set.js';
import type { FromWorker, ToWorker } from './load-rules-in-worker.js';

/**
 * Runs in a worker thread: loads the folder exactly as `validate` does, packs the rule set into
 * flat buffers and hands it over in one message, the buffers transferred rather than copied.
 */
const port = parentPort;
if (!port) throw new Error('reload-worker must run in a worker thread');

lowerPriority();

port.on('message', (message: ToWorker) => {
  port.postMessage({ type: 'started' } satisfies FromWorker);
  void load(message.dir);
});

async function load(dir: string): Promise<void> {
  const result = await loadRules(dir);
  const { diagnostics } = result;
  // The texts of the files the diagnostics name, so that they can be printed with their lines.
  const named = new Set(diagnostics.map((d) => d.file));
  const texts = [...result.texts].filter(([file]) => named.has(file));
  const heapMb = () => getHeapStatistics().used_heap_size / 2 ** 20;
  if (!result.ruleSet) return port!.postMessage({ type: 'done', diagnostics, texts, heapMb: heapMb() } satisfies FromWorker);
  const packed = packRuleSet(result.ruleSet);
  port!.postMessage({ type: 'done', diagnostics, texts, packed, heapMb: heapMb() } satisfies FromWorker, packedBuffers(packed));
}

/**
 * Calls come first: on Linux this thread (not the process) gets a nicer scheduling priority, so a
 * reload takes only the CPU that answering calls leaves. Elsewhere it runs at normal priority.
 */
function lowerPriority(): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, 10);
  } catch {
    // no /proc, or not allowed: normal priority
  }
}

import { once } from 'node:events';
import { parentPort, workerData } from 'node:worker_threads';
import { loadRules } from './load-rules.js';
import type { FromWorker, WorkerInput } from './load-rules-in-worker.js';

/**
 * Runs in a worker thread: loads the folder exactly as `validate` does, then hands the rules
 * over in chunks, one chunk per acknowledgement, so the main thread can answer calls between
 * chunks instead of deserialising 100k rules in one go.
 */
const port = parentPort;
if (!port) throw new Error('reload-worker.ts must run in a worker thread');
const { dir, chunkSize } = workerData as WorkerInput;

const result = await loadRules(dir);
const send = (message: FromWorker) => port.postMessage(message);
if (result.ruleSet) {
  const { rules, version, fallback, files } = result.ruleSet;
  for (let i = 0; i < rules.length; i += chunkSize) {
    send({ type: 'rules', rules: rules.slice(i, i + chunkSize) });
    await once(port, 'message');
  }
  send({ type: 'done', diagnostics: result.diagnostics, head: { version, fallback, files } });
} else {
  send({ type: 'done', diagnostics: result.diagnostics });
}

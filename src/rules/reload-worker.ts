import { parentPort } from 'node:worker_threads';
import { loadRules } from './load-rules.js';
import type { FromWorker, ToWorker } from './load-rules-in-worker.js';

/**
 * Runs in a worker thread: loads the folder exactly as `validate` does, then hands the rules
 * over in chunks, one chunk per acknowledgement, so the main thread can answer calls between
 * chunks instead of deserialising 100k rules in one go.
 */
const port = parentPort;
if (!port) throw new Error('reload-worker must run in a worker thread');

let acknowledge: (() => void) | undefined;
const send = (message: FromWorker) => port.postMessage(message);

port.on('message', (message: ToWorker) => {
  if (message.type === 'next') acknowledge?.();
  else void load(message.dir, message.chunkSize);
});

async function load(dir: string, chunkSize: number): Promise<void> {
  const result = await loadRules(dir);
  if (!result.ruleSet) return send({ type: 'done', diagnostics: result.diagnostics });
  const { rules, version, fallback, files } = result.ruleSet;
  for (let i = 0; i < rules.length; i += chunkSize) {
    const acknowledged = new Promise<void>((resolve) => (acknowledge = resolve));
    send({ type: 'rules', rules: rules.slice(i, i + chunkSize) });
    await acknowledged;
  }
  send({ type: 'done', diagnostics: result.diagnostics, head: { version, fallback, files } });
}

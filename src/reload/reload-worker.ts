import { serialize } from 'node:v8';
import { parentPort } from 'node:worker_threads';
import { loadRules } from '../rules/load-rules.js';
import type { FromWorker, ToWorker } from './load-rules-in-worker.js';

/**
 * Runs in a worker thread: loads the folder exactly as `validate` does, then hands the rules
 * over in chunks, one chunk per acknowledgement, so the main thread can answer calls between
 * chunks instead of deserialising 100k rules in one go.
 */
const port = parentPort;
if (!port) throw new Error('reload-worker must run in a worker thread');

// Chunks sent but not yet taken by the main thread. One may wait ahead, so the next chunk is
// serialised here while the main thread deserialises the current one.
const AHEAD = 2;
let unacknowledged = 0;
let onAcknowledge: (() => void) | undefined;
const send = (message: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

port.on('message', (message: ToWorker) => {
  if (message.type === 'next') {
    unacknowledged--;
    onAcknowledge?.();
  } else {
    send({ type: 'started' });
    void load(message.dir, message.chunkSize);
  }
});

async function load(dir: string, chunkSize: number): Promise<void> {
  const result = await loadRules(dir);
  if (!result.ruleSet) return send({ type: 'done', diagnostics: result.diagnostics });
  // Everything but the rules and their index (rebuilt on the main thread) goes in one message.
  const { rules, index: _index, ...head } = result.ruleSet;
  for (let i = 0; i < rules.length; i += chunkSize) {
    while (unacknowledged >= AHEAD) await new Promise<void>((resolve) => (onAcknowledge = resolve));
    unacknowledged++;
    const data = new Uint8Array(serialize(rules.slice(i, i + chunkSize)));
    send({ type: 'rules', data }, [data.buffer]);
  }
  while (unacknowledged > 0) await new Promise<void>((resolve) => (onAcknowledge = resolve));
  send({ type: 'done', diagnostics: result.diagnostics, head });
}

import { parentPort, workerData } from 'node:worker_threads';
import type { Retention } from './call-store.js';
import type { ToWriter, FromWriter } from './call-log-writer.js';
import { SqliteCallStore } from './sqlite-call-store.js';

/**
 * The call-log writer thread: its own SQLite connection, so inserts, commits (and their fsync)
 * and pruning never run on the thread that answers calls.
 */
const { path, retention } = workerData as { path: string; retention: Retention };
const port = parentPort!;
const send = (m: FromWriter) => port.postMessage(m);

let store: SqliteCallStore;
try {
  store = SqliteCallStore.openForWriting(path, (movedTo, reason) => send({ type: 'log', entry: { level: 'error', msg: 'call-log-corrupt', file: path, movedTo, reason, effect: 'a new, empty log was started' } }));
  prune();
  send({ type: 'ready' });
} catch (e) {
  send({ type: 'open-failed', error: errorText(e) });
  process.exit(0);
}

function prune(): void {
  try {
    const deleted = store.prune(retention, Date.now());
    if (deleted > 0) send({ type: 'log', entry: { msg: 'call-log-pruned', deleted } });
  } catch (e) {
    send({ type: 'log', entry: { level: 'error', msg: 'call-log-prune-failed', error: errorText(e) } });
  }
}

// Age is pruned on each write too; this covers a quiet log.
const timer = setInterval(prune, 10 * 60_000);

/**
 * Batches arrive small and often, so that the main thread lets go of its records young (held
 * there until a big batch filled, they outlived a scavenge and were copied to its old generation).
 * A commit costs about the same for 32 records as for 256 (the same index pages, one fsync), so
 * they are committed together: every COMMIT_EVERY_MS, at COMMIT_RECORDS, or when asked.
 */
const COMMIT_EVERY_MS = 100;
const COMMIT_RECORDS = 256;
const held: Extract<ToWriter, { type: 'write' }>[] = [];
let heldRecords = 0;
let commitTimer: NodeJS.Timeout | undefined;

port.on('message', (m: ToWriter) => {
  if (m.type === 'close') {
    commitHeld();
    clearInterval(timer);
    store.close();
    send({ type: 'closed' });
    port.close();
    return;
  }
  if (m.type === 'commit') {
    commitHeld();
    return;
  }
  held.push(m);
  heldRecords += m.records.length;
  if (heldRecords >= COMMIT_RECORDS) commitHeld();
  else commitTimer ??= setTimeout(commitHeld, COMMIT_EVERY_MS);
});

function commitHeld(): void {
  clearTimeout(commitTimer);
  commitTimer = undefined;
  if (held.length === 0) return;
  const batches = held.splice(0);
  heldRecords = 0;
  try {
    const report = store.write(batches.length === 1 ? batches[0]!.records : batches.flatMap((b) => b.records));
    // The recorder sums the reports: the whole one goes with the first batch.
    batches.forEach((b, i) => send({ type: 'written', id: b.id, report: i === 0 ? report : { written: 0, duplicates: 0, failed: 0 } }));
  } catch (e) {
    for (const b of batches) send({ type: 'failed', id: b.id, error: errorText(e) });
  }
  // Cheap when nothing is due (a few primary-key lookups); keeps rows and bytes bounded between timer runs.
  prune();
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

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

port.on('message', (m: ToWriter) => {
  if (m.type === 'close') {
    clearInterval(timer);
    store.close();
    send({ type: 'closed' });
    port.close();
    return;
  }
  try {
    const report = store.write(m.records);
    send({ type: 'written', id: m.id, report });
  } catch (e) {
    send({ type: 'failed', id: m.id, error: errorText(e) });
  }
  // Cheap when nothing is due (a few primary-key lookups); keeps rows and bytes bounded between timer runs.
  prune();
});

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

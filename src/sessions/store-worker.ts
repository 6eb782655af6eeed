import { parentPort, workerData } from 'node:worker_threads';
import { SessionConflict, SessionStore } from './session-store.js';
import type { FromStoreWorker, ToStoreWorker, WriteOp } from './store-writer.js';

/**
 * The thread that writes the sessions file. A commit waits for the disk (synchronous=FULL), and
 * waiting here keeps the main thread answering calls meanwhile.
 */
const store = new SessionStore((workerData as { path: string }).path, { checkpoints: 'elsewhere' });
const port = parentPort!;

function apply(op: WriteOp): void {
  switch (op.op) {
    case 'insert':
      return store.insert(op.session);
    case 'update':
      return store.update(op.session);
    case 'prune':
      store.prune(op.before);
      return;
  }
}

port.on('message', (m: ToStoreWorker) => {
  let reply: FromStoreWorker;
  try {
    switch (m.type) {
      case 'commit': {
        const results = store.transaction(() =>
          m.jobs.map((ops) => {
            try {
              store.savepoint(() => ops.forEach(apply));
              return { ok: true as const };
            } catch (e) {
              if (e instanceof SessionConflict) return { ok: false as const, conflict: e.kind, message: e.message };
              return { ok: false as const, message: e instanceof Error ? e.message : String(e) };
            }
          }),
        );
        reply = { id: m.id, results };
        break;
      }
      case 'story':
        store.unacknowledged(() => {
          for (const { session, call } of m.calls) store.recordCall(session, call);
        });
        reply = { id: m.id, results: [] };
        break;
      case 'close':
        store.close();
        reply = { id: m.id, results: [] };
        break;
    }
  } catch (e) {
    reply = { id: m.id, error: e instanceof Error ? e.message : String(e) };
  }
  port.postMessage(reply);
});

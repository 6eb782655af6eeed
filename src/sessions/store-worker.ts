import { parentPort, workerData } from 'node:worker_threads';
import { SessionConflict, SessionStore } from './session-store.js';
import type { Committed, FromStoreWorker, JobResult, ToStoreWorker, WriteOp } from './store-writer.js';

/**
 * The thread that writes the sessions file. A commit waits for the disk (synchronous=FULL), and
 * waiting here keeps the main thread answering calls meanwhile.
 */
const store = new SessionStore((workerData as { path: string }).path, { checkpoints: 'elsewhere' });
const port = parentPort!;

/** `ownSavepoint`: an insert keeps its rows all or none by itself (as always); false: the caller rolls the whole transaction back if it throws (see commit). */
function apply(op: WriteOp, ownSavepoint = true, seq?: number): void {
  switch (op.op) {
    case 'insert':
      return ownSavepoint ? store.insert(op.session) : store.insertRows(op.session, seq);
    case 'update':
      return store.update(op.session, seq);
    case 'prune':
      store.prune(op.before);
      return;
  }
}

/**
 * All jobs in one transaction (one flush to disk), first without a savepoint per job: memory
 * decided each against the index, so a job the database refuses is rare (another process wrote
 * the file meanwhile), and a savepoint per job cost its pages copied to a sub-journal and two
 * statements. If any job fails, that transaction is rolled back whole and done again with a
 * savepoint per job, so that only the failing ones fail: the same answers as always, at twice
 * the work on that rare commit.
 */
function commit(jobs: WriteOp[][]): Committed {
  try {
    return store.writeTransaction(() => {
      // The whole commit's seqs in one statement, handed out in order.
      let seq = store.takeSeqs(jobs.reduce((n, ops) => n + ops.filter((op) => op.op !== 'prune').length, 0));
      for (const ops of jobs) for (const op of ops) apply(op, false, op.op === 'prune' ? undefined : seq++);
      return jobs.map(() => OK);
    });
  } catch {
    return store.writeTransaction(() =>
      jobs.map((ops) => {
        try {
          store.savepoint(() => {
            for (const op of ops) apply(op);
          });
          return OK;
        } catch (e) {
          if (e instanceof SessionConflict) return { ok: false as const, conflict: e.kind, message: e.message };
          return { ok: false as const, message: e instanceof Error ? e.message : String(e) };
        }
      }),
    );
  }
}
const OK: JobResult = { ok: true };

port.on('message', (m: ToStoreWorker) => {
  let reply: FromStoreWorker;
  try {
    switch (m.type) {
      case 'commit':
        reply = { id: m.id, ...commit(m.jobs) };
        break;
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

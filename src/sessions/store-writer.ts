import type { Worker } from 'node:worker_threads';
import { startWorker } from '../threads/start-worker.js';
import type { Session } from './session.js';
import type { SessionCall } from './session-store.js';

export type WriteOp = { op: 'insert'; session: Session } | { op: 'update'; session: Session } | { op: 'prune'; before: number };

/** `ended`: another router ended the session first (PostgreSQL only). */
export type JobResult = { ok: true } | { ok: false; conflict?: 'party' | 'ref' | 'pin' | 'ended'; message: string };

export type ToStoreWorker =
  /** Each job's writes all or nothing (see store-worker.ts's commit), all jobs in one transaction: one flush to disk. */
  { type: 'commit'; id: number; jobs: WriteOp[][] } | { type: 'story'; id: number; calls: { session: Session; call: SessionCall }[] } | { type: 'close'; id: number };

/** What a commit did: each job's result, and where the change sequence stood before and after it. */
export interface Committed {
  results: JobResult[];
  /**
   * Engines that can tell: the store's last seq just before this commit's writes and just after
   * (read inside its transaction). When `before` is the last seq the index has, nobody else wrote
   * in between, and the index is level with `after` without reading its own writes back.
   */
  seqs?: { before: number; after: number };
}

export type FromStoreWorker = ({ id: number } & Committed) | { id: number; error: string };

/** How often the checkpoint thread copies the log back into the file. */
const CHECKPOINT_EVERY_MS = 250;

/** The main thread's handle on the writer thread (store-worker.ts) and the checkpoint thread beside it. */
export class StoreWriter {
  private readonly worker: Worker;
  /** None for `:memory:` (no log to copy back). */
  private readonly checkpointer: Worker | undefined;
  private checkpointerDone = false;
  private next = 0;
  private readonly pending = new Map<number, { resolve: (r: Committed) => void; reject: (e: Error) => void }>();
  private dead: Error | undefined;

  constructor(path: string) {
    this.worker = startWorker(new URL('./store-worker.js', import.meta.url), { workerData: { path } });
    this.worker.unref();
    if (path !== ':memory:') {
      const checkpointer = startWorker(new URL('./checkpoint-worker.js', import.meta.url), { workerData: { path, everyMs: CHECKPOINT_EVERY_MS } });
      checkpointer.unref();
      // Its failing only makes the writer's commits checkpoint again (see WAL_LIMIT_PAGES).
      checkpointer.on('error', () => {});
      checkpointer.once('exit', () => (this.checkpointerDone = true));
      this.checkpointer = checkpointer;
    }
    this.worker.on('message', (m: FromStoreWorker) => {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (this.pending.size === 0) this.worker.unref();
      if ('error' in m) p?.reject(new Error(m.error));
      else p?.resolve(m);
    });
    const fail = (e: Error) => {
      this.dead = e;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`the sessions writer thread stopped (exit code ${code})`)));
  }

  commit(jobs: WriteOp[][]): Promise<Committed> {
    return this.send({ type: 'commit', id: 0, jobs });
  }

  story(calls: { session: Session; call: SessionCall }[]): Promise<unknown> {
    return this.send({ type: 'story', id: 0, calls });
  }

  async close(): Promise<void> {
    if (!this.dead) await this.send({ type: 'close', id: 0 }).catch(() => {});
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
    await this.closeCheckpointer();
  }

  /** Lets it close its connection (a checkpoint in progress finishes first), then stops it. */
  private async closeCheckpointer(): Promise<void> {
    const checkpointer = this.checkpointer;
    if (!checkpointer || this.checkpointerDone) return;
    const closed = new Promise<void>((resolve) => {
      checkpointer.once('message', () => resolve());
      checkpointer.once('exit', () => resolve());
    });
    checkpointer.postMessage({ type: 'close' });
    await closed;
    await checkpointer.terminate();
  }

  private send(message: ToStoreWorker): Promise<Committed> {
    if (this.dead) return Promise.reject(this.dead);
    const id = ++this.next;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // Keep the process alive while a write is on its way to the disk.
      this.worker.ref();
      this.worker.postMessage({ ...message, id });
    });
  }
}

import { startWorker } from '../threads/start-worker.js';
import { asyncReads, type CallLogReads, type CallRecord, type CallStore, type Retention, type WriteReport } from './call-store.js';
import { SqliteCallStore } from './sqlite-call-store.js';

export type ToWriter = { type: 'write'; id: number; records: CallRecord[] } | { type: 'commit' } | { type: 'close' };

export type FromWriter =
  | { type: 'ready' }
  | { type: 'open-failed'; error: string }
  | { type: 'written'; id: number; report: WriteReport }
  | { type: 'failed'; id: number; error: string }
  | { type: 'log'; entry: Record<string, unknown> }
  | { type: 'closed' };

/** Where the recorder sends batches. */
export interface CallLogWriter {
  /** Resolves once the batch is committed; rejects when it could not be written at all. */
  write(records: CallRecord[]): Promise<WriteReport>;
  /**
   * Set when `write` copies the records (to another thread) before it returns, and the writer may
   * hold a batch a while to commit it with others: the caller need not keep them, and asks for
   * the commit with `commitNow()` when it must read them back.
   */
  commitNow?(): void;
  close(): Promise<void>;
  /** Set while batches wait for a store that is down (PostgreSQL): the log is degraded, nothing is lost yet. */
  readonly waiting?: { since: number; records: number; reason: string } | undefined;
  /** Shutting down: stop waiting for a store that is down (PostgreSQL), so close() ends. */
  stopWaiting?(): void;
}

/** An open decision log: a writer and a read connection for the main thread. */
export interface CallLogConnection {
  writer: CallLogWriter;
  reader: CallLogReads;
}

export interface ConnectHooks {
  /** Log lines from the writer thread (pruning, a corrupt file moved aside). */
  log: (entry: Record<string, unknown>) => void;
  /** The writer stopped without being closed: the recorder reconnects. */
  lost: (reason: string) => void;
}

/**
 * Starts the writer thread on `path` and resolves when the file is open (recovered, checked,
 * migrated), with a read-only connection for this thread. Rejects when it cannot be opened.
 */
export function connectWorker(path: string, retention: Retention, hooks: ConnectHooks): Promise<CallLogConnection> {
  const worker = startWorker(new URL('./call-log-worker.js', import.meta.url), { workerData: { path, retention } });
  // Closing the recorder ends it; it must not keep a finished process alive on its own.
  worker.unref();
  const waiting = new Map<number, { resolve: (r: WriteReport) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let closed: (() => void) | undefined;
  let ended = false;

  const end = (reason: string) => {
    if (ended) return;
    ended = true;
    for (const w of waiting.values()) w.reject(new Error(reason));
    waiting.clear();
    closed?.();
  };

  return new Promise((resolve, reject) => {
    let opened = false;
    worker.on('message', (m: FromWriter) => {
      switch (m.type) {
        case 'ready': {
          opened = true;
          let reader: SqliteCallStore;
          try {
            reader = new SqliteCallStore(path, { readonly: true });
          } catch (e) {
            void worker.terminate();
            reject(e instanceof Error ? e : new Error(String(e)));
            return;
          }
          const writer: CallLogWriter = {
            write: (records) =>
              ended
                ? Promise.reject(new Error('the call-log writer has stopped'))
                : new Promise((res, rej) => {
                    const id = nextId++;
                    waiting.set(id, { resolve: res, reject: rej });
                    worker.postMessage({ type: 'write', id, records } satisfies ToWriter);
                  }),
            // postMessage has copied the records by the time it returns.
            commitNow: () => {
              if (!ended) worker.postMessage({ type: 'commit' } satisfies ToWriter);
            },
            close: () =>
              ended
                ? Promise.resolve()
                : new Promise<void>((res) => {
                    closed = res;
                    worker.postMessage({ type: 'close' } satisfies ToWriter);
                  }),
          };
          resolve({ writer, reader: asyncReads(reader) });
          return;
        }
        case 'open-failed':
          reject(new Error(m.error));
          return;
        case 'written':
          waiting.get(m.id)?.resolve(m.report);
          waiting.delete(m.id);
          return;
        case 'failed':
          waiting.get(m.id)?.reject(new Error(m.error));
          waiting.delete(m.id);
          return;
        case 'log':
          hooks.log(m.entry);
          return;
        case 'closed':
          end('the call log is closed');
          return;
      }
    });
    worker.on('error', (e) => {
      if (!opened) reject(e);
      end(`the call-log writer failed: ${e.message}`);
      hooks.lost(e.message);
    });
    worker.on('exit', (code) => {
      const wasClosing = closed !== undefined;
      if (!opened) reject(new Error(`the call-log writer stopped while opening (exit code ${code})`));
      end(`the call-log writer stopped (exit code ${code})`);
      if (opened && !wasClosing) hooks.lost(`the call-log writer stopped (exit code ${code})`);
    });
  });
}

/**
 * One store for reads and writes on this thread: for `:memory:`, which a second connection
 * cannot see, and for tests of the recorder itself. Prunes after each write as the worker does.
 */
export function connectInline(store: CallStore, retention?: Retention, log: (entry: Record<string, unknown>) => void = () => {}): CallLogConnection {
  return {
    reader: asyncReads(store),
    writer: {
      write: async (records) => {
        const report = store.write(records);
        if (retention) {
          const deleted = store.prune(retention, Date.now());
          if (deleted > 0) log({ msg: 'call-log-pruned', deleted });
        }
        return report;
      },
      close: async () => store.close(),
    },
  };
}

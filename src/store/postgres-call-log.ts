import type pg from 'pg';
import { migrate } from '../postgres/migrate.js';
import type { CallLogConnection, CallLogWriter } from './call-log-writer.js';
import type { CallRecord, Retention, WriteReport } from './call-store.js';
import { DECISION_LOG_MIGRATIONS } from './postgres-call-schema.js';
import { isRefusal, PostgresCallStore } from './postgres-call-store.js';
import { KEEP_ANSWERS_MS, KEEP_SEEN_MS } from './shared-events.js';

export interface PostgresLogHooks {
  log: (entry: Record<string, unknown>) => void;
  /** Records that waited for the database and were written once it was back. */
  writtenAfterOutage?: (records: number) => void;
  /** Default 60 s: how often this router tries to take the retention lock and prune. */
  pruneEveryMs?: number;
  /** First and longest pause between tries while the database is down. Default 250 ms .. 5 s. */
  retryMs?: { first: number; max: number };
}

/** What the writer is waiting for, while the database does not take writes. */
export interface WriterWaiting {
  since: number;
  records: number;
  reason: string;
}

/**
 * The decision log on PostgreSQL: migrates (under the advisory lock), then hands the recorder a
 * writer and async reads. Rejects when the database cannot be reached, so the recorder reports
 * the log 'off' and tries again, with records waiting in its bounded queue.
 */
export async function connectPostgres(pool: pg.Pool, retention: Retention, hooks: PostgresLogHooks): Promise<CallLogConnection & { writer: PostgresLogWriter }> {
  await migrate(pool, DECISION_LOG_MIGRATIONS);
  const store = new PostgresCallStore(pool);
  const writer = new PostgresLogWriter(store, retention, hooks);
  return { writer, reader: store };
}

/**
 * Batches go to PostgreSQL one at a time, in order. While the database is down or slow a batch
 * waits and is tried again (the recorder's byte bound still holds: a waiting batch counts), so
 * nothing acknowledged is lost to an outage; a batch the database refuses as data is written
 * record by record and the refused ones counted.
 */
export class PostgresLogWriter implements CallLogWriter {
  private chain: Promise<unknown> = Promise.resolve();
  private closing = false;
  private gaveUp: string | undefined;
  private wake: (() => void) | undefined;
  private waitingFor: WriterWaiting | undefined;
  private lastWaitLog = -Infinity;
  private readonly pruneTimer: NodeJS.Timeout;
  private pruning: Promise<void> | undefined;

  constructor(
    private readonly store: PostgresCallStore,
    private readonly retention: Retention,
    private readonly hooks: PostgresLogHooks,
  ) {
    this.pruneTimer = setInterval(() => void this.prune(), hooks.pruneEveryMs ?? 60_000).unref();
  }

  /** Set while batches wait for the database. */
  get waiting(): WriterWaiting | undefined {
    return this.waitingFor;
  }

  write(records: CallRecord[]): Promise<WriteReport> {
    const done = this.chain.then(() => this.writeUntilDone(records));
    this.chain = done.catch(() => {});
    return done;
  }

  /** Shutting down: a database that is down is tried once more, then every batch still waiting fails (and is logged). */
  stopWaiting(): void {
    this.closing = true;
    this.wake?.();
  }

  async close(): Promise<void> {
    this.stopWaiting();
    clearInterval(this.pruneTimer);
    await this.chain;
    await this.pruning;
  }

  /** One retention round, if this router gets the lock. */
  async prune(): Promise<void> {
    if (this.pruning || this.closing) return this.pruning;
    this.pruning = (async () => {
      try {
        const deleted = await this.store.prune(this.retention, Date.now(), {
          answersMs: KEEP_ANSWERS_MS,
          seenMs: KEEP_SEEN_MS,
        });
        if (deleted) this.hooks.log({ msg: 'call-log-pruned', deleted });
      } catch (e) {
        this.hooks.log({
          level: 'warn',
          msg: 'call-log-prune-failed',
          error: errorText(e),
          effect: 'tried again at the next round',
        });
      } finally {
        this.pruning = undefined;
      }
    })();
    return this.pruning;
  }

  private async writeUntilDone(records: CallRecord[]): Promise<WriteReport> {
    const retry = this.hooks.retryMs ?? { first: 250, max: 5000 };
    let pause = retry.first;
    let waited = false;
    let oneByOne = false;
    for (;;) {
      if (this.gaveUp) throw new Error(`the database did not take the last records before shutdown: ${this.gaveUp}`);
      try {
        const report = oneByOne ? await this.store.writeEach(records) : await this.store.write(records);
        if (waited) this.recovered(records.length - report.failed);
        return report;
      } catch (e) {
        if (!oneByOne && isRefusal(e)) {
          // Some record of the batch is refused as data: write them one by one and count the refused.
          oneByOne = true;
          continue;
        }
        if (this.closing) {
          this.gaveUp = errorText(e);
          throw new Error(`the database did not take the last records before shutdown: ${this.gaveUp}`);
        }
        waited = true;
        this.waitFor(records.length, errorText(e));
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, pause);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = undefined;
        pause = Math.min(retry.max, pause * 2);
      }
    }
  }

  private waitFor(records: number, reason: string): void {
    const first = this.waitingFor === undefined;
    this.waitingFor = {
      since: this.waitingFor?.since ?? Date.now(),
      records,
      reason,
    };
    const now = performance.now();
    if (first || now - this.lastWaitLog > 10_000) {
      this.lastWaitLog = now;
      this.hooks.log({
        level: 'error',
        msg: 'call-log-waiting-for-database',
        records,
        error: reason,
        effect: 'calls are answered; records wait in memory (bounded) and are written when PostgreSQL is back',
      });
    }
  }

  private recovered(records: number): void {
    const since = this.waitingFor?.since;
    this.waitingFor = undefined;
    this.hooks.writtenAfterOutage?.(records);
    if (since !== undefined)
      this.hooks.log({
        msg: 'call-log-database-back',
        waitedMs: Date.now() - since,
      });
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

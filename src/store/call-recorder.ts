import type { Logger } from '../log/logger.js';
import type { Metrics } from '../metrics/metrics.js';
import type { CallLogConnection } from './call-log-writer.js';
import { type CallLogReads, type CallRecord, type HourCount, type RuleHits, recordBytes, STORY_RECORDS, type WriteReport } from './call-store.js';

export interface RecorderOptions {
  metrics: Metrics;
  log: Logger;
  /** Records wait at most this long before they are sent to the writer. Default 200 ms (100 to the worker thread, which holds them up to 100 ms more). */
  flushMs?: number;
  /** Sent at once when this many are waiting, so no single hand-over is large. Default 256 (32 to the worker thread, which commits them together). */
  batchRecords?: number;
  /** Records waiting or being written, in bytes; past it new records are dropped and counted. Default 32 MiB. */
  maxQueueBytes?: number;
  /** How often to try again when the log cannot be opened. Default 10 s. */
  retryOpenMs?: number;
  /** At most one log line per this interval about dropped or refused records. Default 10 s. */
  problemLogEveryMs?: number;
}

/** `records`: kept for reads until committed, unless the writer copied them (then empty). */
type Batch = { records: CallRecord[]; count: number; bytes: number; done: Promise<void> };

/**
 * To a writer that copies what it is given (the worker thread), records go this many at a time:
 * held here until a batch of 256 filled, they outlived a scavenge and were copied to the old
 * generation (about half of the ~1 KB a call left there). The writer commits them together.
 */
const HAND_OVER_RECORDS = 32;
/** And at least this often (ms): the writer holds them up to 100 ms more, so a crash still loses at most ~200 ms. */
const HAND_OVER_MS = 100;
/** How long a read waits for the writer to commit what it was handed before reading the store. */
const CATCH_UP_MS = 1000;

/** How a problem is remembered for `state()`. */
const DEGRADED_FOR_MS = 60_000;

/**
 * Write-behind in front of the decision log: `record` only queues (a push and a size sum), so
 * a slow or broken log never delays or fails the answer to 8x8. Queued records go to the writer
 * every `flushMs` or every `batchRecords` (to the worker thread, which copies them, sooner and in
 * smaller batches, and none are kept here); memory is bounded by `maxQueueBytes`.
 *
 * Reads run here, on a read connection, and include what is still queued (the worker first
 * commits what it holds).
 */
export class CallRecorder {
  private pending: CallRecord[] = [];
  private pendingBytes = 0;
  private readonly inflight = new Set<Batch>();
  private inflightBytes = 0;
  private connection: CallLogConnection | undefined;
  private connecting: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private problemAt = -Infinity;
  private lastOpenError: string | undefined;
  private unlogged = { dropped: 0, refused: 0 };
  private lastRefusal: string | undefined;
  private lastProblemLog = -Infinity;
  private readonly flushMs: number;
  private readonly batchRecords: number;
  private readonly maxQueueBytes: number;
  private readonly retryOpenMs: number;
  private readonly problemLogEveryMs: number;

  constructor(
    private readonly connect: () => Promise<CallLogConnection> | CallLogConnection,
    private readonly options: RecorderOptions,
  ) {
    this.flushMs = options.flushMs ?? 200;
    this.batchRecords = options.batchRecords ?? 256;
    this.maxQueueBytes = options.maxQueueBytes ?? 32 * 1024 * 1024;
    this.retryOpenMs = options.retryOpenMs ?? 10_000;
    this.problemLogEveryMs = options.problemLogEveryMs ?? 10_000;
    this.open();
  }

  /** Resolves once the first attempt to open the log has finished, either way. */
  async ready(): Promise<void> {
    await this.connecting;
  }

  /** 'off': the log is not open (it failed to open and is retried); 'degraded': records were dropped or refused in the last minute. */
  state(): 'ok' | 'degraded' | 'off' {
    if (!this.connection) return 'off';
    if (this.connection.writer.waiting) return 'degraded';
    return performance.now() - this.problemAt < DEGRADED_FOR_MS ? 'degraded' : 'ok';
  }

  /** For /healthz: the state, why it is not ok, and how many records wait to be written. */
  health(): { state: 'ok' | 'degraded' | 'off'; waitingRecords: number; reason?: string } {
    const state = this.state();
    const waiting = this.connection?.writer.waiting;
    const reason =
      state === 'off'
        ? this.openError
        : waiting
          ? `waiting for the database since ${new Date(waiting.since).toISOString()}: ${waiting.reason}`
          : state === 'degraded'
            ? 'records were dropped or refused in the last minute; see the server log'
            : undefined;
    return { state, waitingRecords: this.pending.length + [...this.inflight].reduce((n, b) => n + b.count, 0), ...(reason !== undefined ? { reason } : {}) };
  }

  /** Why the log is off, for the operator. */
  get openError(): string | undefined {
    return this.connection ? undefined : (this.lastOpenError ?? (this.closed ? 'the decision log is closed' : 'the decision log is opening'));
  }

  record(record: CallRecord): void {
    const bytes = recordBytes(record);
    if (this.closed || this.pendingBytes + this.inflightBytes + bytes > this.maxQueueBytes) {
      this.options.metrics.recordStoreDropped();
      this.problem('dropped', 1);
      return;
    }
    this.pending.push(record);
    this.pendingBytes += bytes;
    const copies = this.writerCopies;
    if (this.pending.length >= (copies ? Math.min(HAND_OVER_RECORDS, this.batchRecords) : this.batchRecords)) this.handOver();
    else this.timer ??= setTimeout(() => this.handOver(), copies ? Math.min(HAND_OVER_MS, this.flushMs) : this.flushMs).unref();
  }

  /** Sends everything queued to the writer; resolves once it is written (or failed). Never rejects. */
  flush(): Promise<void> {
    this.handOver();
    if (this.inflight.size > 0) this.connection?.writer.commitNow?.();
    return Promise.all([...this.inflight].map((b) => b.done)).then(() => {});
  }

  /** Sends everything queued to the writer, which commits it in its own time. */
  private handOver(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const connection = this.connection;
    if (connection && this.pending.length > 0) {
      const records = this.pending;
      const bytes = this.pendingBytes;
      this.pending = [];
      this.pendingBytes = 0;
      this.inflightBytes += bytes;
      const count = records.length;
      // Nothing that outlives this call may hold `records` (a closure over it would keep the whole
      // batch alive until it is committed): only the batch, and only when the writer did not copy it.
      const batch: Batch = { records: this.writerCopies ? [] : records, count, bytes, done: this.afterWrite(connection.writer.write(records), count) };
      this.inflight.add(batch);
      void batch.done.finally(() => {
        this.inflight.delete(batch);
        this.inflightBytes -= bytes;
      });
    }
  }

  /**
   * Writes what is queued and waits for it, at most `maxWaitMs`: the store's counts (hits per
   * rule, calls per hour) cannot tell which records in flight it already holds, so a page that
   * shows them settles first and then counts every call answered before it was asked for.
   * Resolves to whether everything was written within the wait.
   */
  settle(maxWaitMs = 500): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), maxWaitMs).unref();
    });
    return Promise.race([this.flush().then(() => true), waited]).finally(() => clearTimeout(timer));
  }

  /** The writer copies each batch it is given (and commits it with others when it likes, or when asked). */
  private get writerCopies(): boolean {
    return this.connection?.writer.commitNow !== undefined;
  }

  /** Counts and logs what the writer refused or failed to write. Never rejects. */
  private afterWrite(written: Promise<WriteReport>, count: number): Promise<void> {
    return written.then(
      (report) => {
        if (report.failed > 0) {
          this.options.metrics.recordStoreError(report.failed);
          this.problem('refused', report.failed, report.firstError);
        }
      },
      (e: unknown) => {
        this.options.metrics.recordStoreError(count);
        this.problemAt = performance.now();
        this.options.log({ level: 'error', msg: 'call-log-write-failed', records: count, error: errorText(e) });
      },
    );
  }

  /**
   * Before a read that must include every record: a writer that copied its batches (and so holds
   * what this thread no longer does) commits them now; waits for that, at most CATCH_UP_MS.
   */
  private async caughtUp(): Promise<void> {
    if (!this.writerCopies || this.inflight.size === 0) return;
    this.connection?.writer.commitNow?.();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, CATCH_UP_MS).unref();
    });
    await Promise.race([Promise.all([...this.inflight].map((b) => b.done)), late]).finally(() => clearTimeout(timer));
  }

  /** A session's first `limit` records, oldest first, including any still queued. Rejects if the log cannot be read. */
  async session(sessionId: string, limit = STORY_RECORDS): Promise<CallRecord[]> {
    await this.caughtUp();
    const stored = await this.reader().session(sessionId, limit);
    // Queued records are the newest: they come after every stored one.
    const queued = stored.length < limit ? this.queued().filter((r) => r.sessionId === sessionId) : [];
    if (queued.length === 0) return stored;
    // A batch may be committed before its answer arrives here: skip what is already stored.
    const seen = new Set(stored.map(identity));
    return [...stored, ...queued.filter((r) => !seen.has(identity(r)))].slice(0, limit);
  }

  /** The session's latest summary record, queued or stored. Rejects if the log cannot be read. */
  async sessionSummary(sessionId: string): Promise<CallRecord | undefined> {
    await this.caughtUp();
    const queued = this.queued().filter((r) => r.sessionId === sessionId && r.kind === 'session-summary');
    return queued.at(-1) ?? (await this.reader().sessionSummary(sessionId));
  }

  /** The rule of the session's first call action; undefined when unknown or unreadable (logged). Never rejects. */
  async ruleForSession(sessionId: string): Promise<string | undefined> {
    try {
      await this.caughtUp();
      return this.queued().find((r) => r.sessionId === sessionId && r.kind === 'call-action')?.ruleId ?? (await this.reader().ruleForSession(sessionId));
    } catch (e) {
      this.options.metrics.recordStoreError();
      this.options.log({ level: 'error', msg: 'call-log-read-failed', sessionId, error: errorText(e) });
      return undefined;
    }
  }

  /** Newest first, including any still queued. Rejects if the log cannot be read. */
  async recent(options: { limit: number; search?: string }): Promise<CallRecord[]> {
    await this.caughtUp();
    const stored = await this.reader().recent(options);
    const q = options.search;
    const queued = this.queued().filter((r) => q === undefined || r.sessionId === q || r.callId === q || r.source === q || r.destination === q);
    if (queued.length === 0) return stored;
    const seen = new Set(stored.map(identity));
    return [...queued.filter((r) => !seen.has(identity(r))).reverse(), ...stored].slice(0, Math.max(0, Math.floor(options.limit)));
  }

  /** Call actions per hour since `sinceMs`, oldest first, including any still queued. Rejects if the log cannot be read. */
  async hourly(sinceMs: number): Promise<HourCount[]> {
    const hours = new Map((await this.reader().hourly(sinceMs)).map((h) => [h.hour, { ...h }]));
    for (const r of this.queuedActions(sinceMs)) {
      const hour = Math.floor(r.at / 3_600_000) * 3_600_000;
      const h = hours.get(hour) ?? { hour, calls: 0, fallbacks: 0 };
      h.calls++;
      if (r.decision?.outcome === 'fallback') h.fallbacks++;
      hours.set(hour, h);
    }
    return [...hours.values()].sort((a, b) => a.hour - b.hour);
  }

  /** Call actions per rule since the start of the hour of `sinceMs`, including any still queued; undefined when the store cannot count them. Rejects if the log cannot be read. */
  async ruleHits(sinceMs: number): Promise<RuleHits[] | undefined> {
    const reader = this.reader();
    if (!reader.ruleHits) return undefined;
    const rules = new Map((await reader.ruleHits(sinceMs)).map((h) => [h.ruleId, { ...h }]));
    for (const r of this.queuedActions(sinceMs)) {
      if (r.ruleId === null) continue;
      const h = rules.get(r.ruleId) ?? { ruleId: r.ruleId, hits: 0, lastAt: 0 };
      h.hits++;
      h.lastAt = Math.max(h.lastAt, r.at);
      rules.set(r.ruleId, h);
    }
    return [...rules.values()];
  }

  /** Writes what is queued and closes the log: the last step of a graceful shutdown. */
  async close(): Promise<void> {
    if (this.closed) return;
    clearTimeout(this.retryTimer);
    await this.connecting;
    this.closed = true;
    this.connection?.writer.stopWaiting?.();
    await this.flush();
    this.logProblems(true);
    const connection = this.connection;
    this.connection = undefined;
    if (this.pending.length > 0) this.options.log({ level: 'error', msg: 'call-log-not-written', records: this.pending.length, reason: this.lastOpenError ?? 'the log was not open' });
    try {
      await connection?.reader.close();
      await connection?.writer.close();
    } catch (e) {
      this.options.log({ level: 'error', msg: 'call-log-close-failed', error: errorText(e) });
    }
  }

  private open(): void {
    this.connecting = (async () => {
      try {
        this.connection = await this.connect();
        if (this.lastOpenError !== undefined) this.options.log({ msg: 'call-log-opened', after: this.lastOpenError });
        this.lastOpenError = undefined;
        if (this.pending.length > 0) this.handOver();
      } catch (e) {
        this.lastOpenError = errorText(e);
        this.options.metrics.recordStoreError();
        this.options.log({ level: 'error', msg: 'call-log-unavailable', error: this.lastOpenError, effect: 'calls are answered; records wait in memory (bounded) while the log is retried', retryInMs: this.retryOpenMs });
        if (!this.closed) this.retryTimer = setTimeout(() => this.open(), this.retryOpenMs).unref();
      } finally {
        this.connecting = undefined;
      }
    })();
  }

  /** The writer thread died: records in flight are counted as lost; reopen. */
  lost(reason: string): void {
    if (this.closed || !this.connection) return;
    this.options.log({ level: 'error', msg: 'call-log-writer-lost', reason });
    try {
      void Promise.resolve(this.connection.reader.close()).catch(() => {});
    } catch {
      // Already unusable; nothing more to do with it.
    }
    this.connection = undefined;
    this.lastOpenError = reason;
    this.problemAt = performance.now();
    this.retryTimer = setTimeout(() => this.open(), Math.min(this.retryOpenMs, 1000)).unref();
  }

  private reader(): CallLogReads {
    if (!this.connection) throw new Error(`the decision log is not open: ${this.openError}`);
    return this.connection.reader;
  }

  /** Queued call actions not yet counted by the store (in flight ones may be: counted once more at most for a moment). */
  private queuedActions(sinceMs: number): CallRecord[] {
    return this.pending.filter((r) => r.kind === 'call-action' && r.at >= sinceMs);
  }

  private queued(): CallRecord[] {
    const out: CallRecord[] = [];
    for (const b of this.inflight) out.push(...b.records);
    out.push(...this.pending);
    return out;
  }

  private problem(kind: 'dropped' | 'refused', count: number, error?: string): void {
    this.problemAt = performance.now();
    this.unlogged[kind] += count;
    if (error) this.lastRefusal = error;
    this.logProblems(false);
  }

  /** One line per interval about dropped and refused records, not one per record. */
  private logProblems(force: boolean): void {
    const now = performance.now();
    const { dropped, refused } = this.unlogged;
    if (dropped + refused === 0 || (!force && now - this.lastProblemLog < this.problemLogEveryMs)) return;
    this.lastProblemLog = now;
    this.unlogged = { dropped: 0, refused: 0 };
    if (dropped > 0)
      this.options.log({ level: 'error', msg: 'call-log-dropped', records: dropped, reason: this.connection ? `more than ${this.maxQueueBytes} bytes waiting to be written` : `the log is not open: ${this.openError}` });
    if (refused > 0) this.options.log({ level: 'error', msg: 'call-log-record-failed', records: refused, error: this.lastRefusal });
  }
}

/** What makes two records the same row (the store's dedupe key). */
function identity(r: CallRecord): string {
  return r.dedupeKey === null ? `${r.kind}\u0000#${r.at}` : `${r.kind}\u0000${r.dedupeKey}`;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

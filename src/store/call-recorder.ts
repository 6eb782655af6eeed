import type { Logger } from '../log/logger.js';
import type { Metrics } from '../metrics/metrics.js';
import type { CallRecord, CallStore, HourCount, Retention, RuleHits } from './call-store.js';

export interface RecorderOptions {
  metrics: Metrics;
  log: Logger;
  retention: Retention;
  /** How long records wait to be written together. */
  flushMs?: number;
  /** Records waiting beyond this are dropped (and counted) rather than grow memory without end. */
  maxPending?: number;
  pruneEveryMs?: number;
}

/**
 * Write-behind in front of the store: `record` only queues, so a slow or broken store never delays
 * or fails the answer to 8x8. Failures are logged once per flush and counted in the metrics.
 */
export class CallRecorder {
  private pending: CallRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly pruneTimer: NodeJS.Timeout;
  private readonly flushMs: number;
  private readonly maxPending: number;
  /** Whether the last write failed: the log is open but losing records. */
  private failing = false;

  constructor(
    private readonly store: CallStore,
    private readonly options: RecorderOptions,
  ) {
    this.flushMs = options.flushMs ?? 200;
    this.maxPending = options.maxPending ?? 10_000;
    this.prune();
    this.pruneTimer = setInterval(() => this.prune(), options.pruneEveryMs ?? 10 * 60_000).unref();
  }

  record(record: CallRecord): void {
    if (this.pending.length >= this.maxPending) {
      this.options.metrics.recordStoreDropped();
      return;
    }
    this.pending.push(record);
    this.timer ??= setTimeout(() => this.flush(), this.flushMs).unref();
  }

  /** Writes everything queued. Never throws. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    try {
      this.store.write(batch);
      this.failing = false;
    } catch (e) {
      this.failing = true;
      this.options.metrics.recordStoreError(batch.length);
      this.options.log({ level: 'error', msg: 'call-log-write-failed', records: batch.length, error: errorText(e) });
    }
  }

  /** A session's records, including any still queued. Throws if the store cannot be read. */
  session(sessionId: string): CallRecord[] {
    this.flush();
    return this.store.session(sessionId);
  }

  /** Newest first, including any still queued. Throws if the store cannot be read. */
  recent(options: { limit: number; search?: string }): CallRecord[] {
    this.flush();
    return this.store.recent(options);
  }

  /** Call actions per hour since `sinceMs`. Throws if the store cannot be read. */
  hourly(sinceMs: number): HourCount[] {
    this.flush();
    return this.store.hourly(sinceMs);
  }

  /** Call actions per rule since `sinceMs`, or undefined when the store cannot count them itself. */
  ruleHits(sinceMs: number): RuleHits[] | undefined {
    if (!this.store.ruleHits) return undefined;
    this.flush();
    return this.store.ruleHits(sinceMs);
  }

  /** 'degraded' while writes fail; a recorder that does not exist is 'off' to its callers. */
  state(): 'ok' | 'degraded' | 'off' {
    return this.failing ? 'degraded' : 'ok';
  }

  ruleForSession(sessionId: string): string | undefined {
    try {
      this.flush();
      return this.store.ruleForSession(sessionId);
    } catch (e) {
      this.options.metrics.recordStoreError();
      this.options.log({ level: 'error', msg: 'call-log-read-failed', sessionId, error: errorText(e) });
      return undefined;
    }
  }

  /** Flushes and closes the store: the last step of a graceful shutdown. */
  close(): void {
    clearInterval(this.pruneTimer);
    this.flush();
    try {
      this.store.close();
    } catch (e) {
      this.options.log({ level: 'error', msg: 'call-log-close-failed', error: errorText(e) });
    }
  }

  private prune(): void {
    try {
      const deleted = this.store.prune(this.options.retention, Date.now());
      if (deleted > 0) this.options.log({ msg: 'call-log-pruned', deleted });
    } catch (e) {
      this.options.metrics.recordStoreError();
      this.options.log({ level: 'error', msg: 'call-log-prune-failed', error: errorText(e) });
    }
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

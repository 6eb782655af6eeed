import type pg from 'pg';
import { PipelinedConnection } from '../postgres/pipelined-connection.js';
import { bodyKey } from './replay-cache.js';

/**
 * What several routers share about repeated deliveries: the first answer to a call action, and
 * which status and summary events are already counted. Every call may reject or be slow: the
 * caller bounds the wait (withinMs) and decides alone when the database does not answer in time.
 */
export interface SharedEvents {
  /**
   * Records `answerText` for this event unless a router already did; resolves to the answer
   * recorded first. `eventKey`, when the caller has it: the replay cache's key of `eventText`
   * (bodyKey), so the event is not hashed twice.
   */
  claimAnswer(eventId: string, eventText: string, answerText: string, eventKey?: string): Promise<{ text: string; first: boolean }>;
  /** True when this router is the first to see `key` (a status eventId, a summary's sessionId). */
  claimEvent(key: string): Promise<boolean>;
}

/** How long a repeated delivery can come after the first: answers and seen keys are kept this long. */
export const KEEP_ANSWERS_MS = 60 * 60_000;
export const KEEP_SEEN_MS = 24 * 60 * 60_000;

// The insert wins (one round trip, and nothing comes back but the row count: the router has the
// answer), or it finds the row of a router that claimed first (ON CONFLICT waits for that
// router's transaction to end) and a second statement reads that row back. Repeats are rare, so
// the common case stays the plain insert.
const CLAIM_ANSWER = 'INSERT INTO call_answers (event_id, event_hash, answer_text, at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING';
const READ_ANSWER = 'SELECT answer_text FROM call_answers WHERE event_id = $1 AND event_hash = $2';

/**
 * Claims do not wait for their commit to reach disk: a claim that a PostgreSQL crash takes back
 * (the last ~0.6 s of them) only means a repeat of that delivery is decided afresh, as it is when
 * the database does not answer in time. One connection then takes every claim in turn without an
 * fsync each.
 */
const CLAIM_SETUP = ['SET synchronous_commit = off'];

/**
 * Shared events in the decision log's PostgreSQL tables (call_answers, seen_events), on a
 * pipelined connection of their own: one per call, so no pool checkout and no wait for the claim before it.
 */
export class PostgresSharedEvents implements SharedEvents {
  private readonly connection: PipelinedConnection;

  constructor(pool: pg.Pool) {
    const options = pool.options as pg.PoolConfig;
    this.connection = new PipelinedConnection({
      connectionString: options.connectionString ?? '',
      setup: CLAIM_SETUP,
      applicationName: 'call-router-claims',
      connectTimeoutMs: options.connectionTimeoutMillis ?? 3000,
      statementTimeoutMs: typeof options.statement_timeout === 'number' ? options.statement_timeout : 5000,
    });
  }

  /** Ends the claims' connection (the pool is the server's). */
  close(): Promise<void> {
    return this.connection.close();
  }

  async claimAnswer(eventId: string, eventText: string, answerText: string, eventKey?: string): Promise<{ text: string; first: boolean }> {
    // Keyed on the whole event as received, as the in-memory replay cache is: an eventId reused with other data is decided afresh.
    const eventHash = base64url(eventKey ?? bodyKey(eventText));
    const key = [eventId.replaceAll('\u0000', '\uFFFD'), eventHash];
    // Named: parsed and planned once per connection, not on every call.
    const claimed = await this.connection.query({ name: 'claim-answer', text: CLAIM_ANSWER, values: [...key, answerText, Date.now()] });
    if (claimed.rowCount === 1) return { text: answerText, first: true };
    const first = await this.connection.query<{ answer_text: string }>({ name: 'read-answer', text: READ_ANSWER, values: key });
    const text = first.rows[0]?.answer_text;
    if (text === undefined) throw new Error('the first answer to this event is neither recorded nor readable');
    return { text, first: false };
  }

  async claimEvent(key: string): Promise<boolean> {
    const { rowCount } = await this.connection.query({ name: 'claim-event', text: 'INSERT INTO seen_events (key, at) VALUES ($1, $2) ON CONFLICT DO NOTHING', values: [key.replaceAll('\u0000', '\uFFFD'), Date.now()] });
    return rowCount === 1;
  }
}

/** The stored hash is the event's SHA-256 in base64url (without padding); bodyKey gives it in base64. */
function base64url(base64: string): string {
  return base64.replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

/** `work`'s result, or `late` if it has not settled within `ms` or failed (why, for the log). */
export function within<T>(ms: number, work: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; why: string }> {
  return new Promise((resolve) => {
    const timer = setTimeout(
      () =>
        resolve({
          ok: false,
          why: `no answer from the database within ${Math.round(ms)} ms`,
        }),
      Math.max(0, ms),
    );
    timer.unref?.();
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve({ ok: true, value });
      },
      (e: unknown) => {
        clearTimeout(timer);
        resolve({ ok: false, why: e instanceof Error ? e.message : String(e) });
      },
    );
  });
}

/** The answerer's hook (answer-call-action.ts SharedAnswer) on shared events: bounded wait, a metric and a log line when the database is late. */
export function sharedAnswerer(shared: SharedEvents, onUnavailable: (eventId: string, why: string) => void) {
  return async (eventId: string, eventText: string, eventKey: string, answerText: string, waitMs: number): Promise<{ text: string; first: boolean } | undefined> => {
    const claimed = await within(waitMs, shared.claimAnswer(eventId, eventText, answerText, eventKey));
    if (claimed.ok) return claimed.value;
    onUnavailable(eventId, claimed.why);
    return undefined;
  };
}

/**
 * A log line that may come once per call while the database is down: written at most once per
 * `everyMs`, with how many like it were left out since the last one.
 */
export function throttledLog(log: (entry: Record<string, unknown>) => void, everyMs = 10_000): (entry: Record<string, unknown>) => void {
  let last = -Infinity;
  let skipped = 0;
  return (entry) => {
    const now = performance.now();
    if (now - last < everyMs) {
      skipped++;
      return;
    }
    last = now;
    log({ ...entry, ...(skipped > 0 ? { alsoSince: skipped } : {}) });
    skipped = 0;
  };
}

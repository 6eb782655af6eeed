import { hash } from 'node:crypto';
import type pg from 'pg';
import { PipelinedConnection } from '../postgres/pipelined-connection.js';

/**
 * What several routers share about repeated deliveries: the first answer to a call action, and
 * which status and summary events are already counted. Every call may reject or be slow: the
 * caller bounds the wait (withinMs) and decides alone when the database does not answer in time.
 */
export interface SharedEvents {
  /** Records `answerText` for this event unless a router already did; resolves to the answer recorded first. */
  claimAnswer(eventId: string, eventText: string, answerText: string): Promise<{ text: string; first: boolean }>;
  /** True when this router is the first to see `key` (a status eventId, a summary's sessionId). */
  claimEvent(key: string): Promise<boolean>;
}

/** How long a repeated delivery can come after the first: answers and seen keys are kept this long. */
export const KEEP_ANSWERS_MS = 60 * 60_000;
export const KEEP_SEEN_MS = 24 * 60 * 60_000;

// One round trip: the insert wins (and nothing comes back but `first`: the router has the answer),
// or the row another router committed first is read back.
const CLAIM_ANSWER = `
WITH ins AS (
  INSERT INTO call_answers (event_id, event_hash, answer_text, at) VALUES ($1, $2, $3, $4)
  ON CONFLICT DO NOTHING RETURNING true
)
SELECT NULL::text AS answer_text, true AS first FROM ins UNION ALL SELECT answer_text, false FROM call_answers WHERE event_id = $1 AND event_hash = $2 LIMIT 1`;

/**
 * Claims do not wait for their commit to reach disk: a claim that a PostgreSQL crash takes back
 * (the last ~0.6 s of them) only means a repeat of that delivery is decided afresh, as it is when
 * the database does not answer in time. One connection then takes every claim in turn without an
 * fsync each.
 */
const CLAIM_SETUP = ['SET synchronous_commit = off'];

/**
 * The recorded answer for `v`'s row, by primary key whatever the table's statistics say. A plain
 * join would be planned once per connection (a named statement's generic plan) while the table
 * is still empty: a hash join over a sequential scan, which a table of millions of answers then
 * pays on every claim. The LIMIT keeps the subquery from being flattened into such a join.
 */
function answerOf(v: string): string {
  return `SELECT answer_text FROM call_answers WHERE event_id = ${v}.event_id AND event_hash = ${v}.event_hash LIMIT 1`;
}

// Several claims at once, one statement: the rows as ONE JSON parameter (one native
// JSON.stringify), inserted in key order so two routers inserting overlapping keys lock them in
// the same order (no deadlock). Each claim gets one row back: a winner says `first`; a loser whose
// winning row this statement's snapshot sees says whether that answer is ours byte for byte
// (then its text is not sent back) or carries it. A loser that sees nothing lost a race with a
// router whose row committed after the snapshot: read again (READ_ANSWERS).
const CLAIM_ANSWERS = `
WITH v AS (
  SELECT r->>0 AS event_id, r->>1 AS event_hash, r->>2 AS answer_text FROM json_array_elements($1::json) AS r
), ins AS (
  INSERT INTO call_answers (event_id, event_hash, answer_text, at) SELECT event_id, event_hash, answer_text, $2 FROM v ORDER BY event_id, event_hash
  ON CONFLICT DO NOTHING RETURNING event_id, event_hash
)
SELECT event_id, event_hash, true AS first, NULL::boolean AS same, NULL::text AS answer_text FROM ins
UNION ALL
SELECT v.event_id, v.event_hash, false, a.answer_text = v.answer_text, CASE WHEN a.answer_text = v.answer_text THEN NULL ELSE a.answer_text END
FROM v CROSS JOIN LATERAL (${answerOf('v')}) AS a`;
const READ_ANSWERS = `SELECT v.event_id, v.event_hash, a.answer_text FROM (SELECT r->>0 AS event_id, r->>1 AS event_hash FROM json_array_elements($1::json) AS r) AS v CROSS JOIN LATERAL (${answerOf('v')}) AS a`;

interface Claim {
  eventId: string;
  eventHash: string;
  answerText: string;
  /** The same event claimed again in this turn: they get this claim's answer. */
  alsoWaiting: ((answer: { text: string; first: boolean }) => void)[];
  resolve(answer: { text: string; first: boolean }): void;
  reject(e: unknown): void;
}

/**
 * Shared events in the decision log's PostgreSQL tables (call_answers, seen_events), on a
 * pipelined connection of their own: no pool checkout per call, and no wait for the claim before
 * it. The answer claims of one event-loop turn go as one statement (CLAIM_ANSWERS), a lone one as
 * the simpler CLAIM_ANSWER.
 */
export class PostgresSharedEvents implements SharedEvents {
  private readonly connection: PipelinedConnection;
  /** This turn's answer claims, by event id and hash; sent once the turn's I/O callbacks have run. */
  private turn: Map<string, Claim> | undefined;

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

  claimAnswer(eventId: string, eventText: string, answerText: string): Promise<{ text: string; first: boolean }> {
    // Keyed on the whole event as received, as the in-memory replay cache is: an eventId reused with other data is decided afresh.
    const eventHash = hash('sha256', eventText, 'base64url');
    const id = storableText(eventId);
    return new Promise((resolve, reject) => {
      let turn = this.turn;
      if (!turn) {
        turn = new Map();
        this.turn = turn;
        setImmediate(() => this.sendTurn());
      }
      const key = `${id}\u0000${eventHash}`;
      const earlier = turn.get(key);
      if (earlier) {
        earlier.alsoWaiting.push((answer) => resolve({ text: answer.text, first: false }));
        const rejectEarlier = earlier.reject;
        earlier.reject = (e) => {
          rejectEarlier(e);
          reject(e);
        };
        return;
      }
      turn.set(key, { eventId: id, eventHash, answerText, alsoWaiting: [], resolve, reject });
    });
  }

  private sendTurn(): void {
    const claims = [...(this.turn?.values() ?? [])];
    this.turn = undefined;
    const settle = (claim: Claim, answer: { text: string; first: boolean }) => {
      claim.resolve(answer);
      for (const also of claim.alsoWaiting) also(answer);
    };
    const done = claims.length === 1 ? this.claimOne(claims[0]!) : this.claimMany(claims);
    done.then(
      (answers) => claims.forEach((c, i) => settle(c, answers[i]!)),
      (e: unknown) => {
        for (const c of claims) c.reject(e);
      },
    );
  }

  // queryNow: this runs in the turn's check phase, once its I/O is done; the connection's own cork would hold the statement for one more loop turn.
  private async claimOne(c: Claim): Promise<{ text: string; first: boolean }[]> {
    const args = [c.eventId, c.eventHash, c.answerText, Date.now()];
    // Named: parsed and planned once per connection, not on every call.
    const claimed = await this.connection.queryNow<{ answer_text: string | null; first: boolean }>({ name: 'claim-answer', text: CLAIM_ANSWER, values: args });
    const row = claimed.rows[0];
    if (row?.first) return [{ text: c.answerText, first: true }];
    if (row?.answer_text != null) return [{ text: row.answer_text, first: false }];
    return [{ text: (await this.readAnswers([c]))[0]!, first: false }];
  }

  private async claimMany(claims: Claim[]): Promise<{ text: string; first: boolean }[]> {
    const rows = JSON.stringify(claims.map((c) => [c.eventId, c.eventHash, c.answerText]));
    const { rows: got } = await this.connection.queryNow<{ event_id: string; event_hash: string; first: boolean; same: boolean | null; answer_text: string | null }>({
      name: 'claim-answers',
      text: CLAIM_ANSWERS,
      values: [rows, Date.now()],
    });
    const byKey = new Map(got.map((r) => [`${r.event_id}\u0000${r.event_hash}`, r]));
    const answers = claims.map((c): { text: string; first: boolean } | undefined => {
      const r = byKey.get(`${c.eventId}\u0000${c.eventHash}`);
      if (!r) return undefined;
      return r.first || r.same ? { text: c.answerText, first: r.first } : { text: r.answer_text ?? '', first: false };
    });
    const unseen = claims.filter((_, i) => answers[i] === undefined);
    if (unseen.length === 0) return answers as { text: string; first: boolean }[];
    const texts = await this.readAnswers(unseen);
    let next = 0;
    return answers.map((a) => a ?? { text: texts[next++]!, first: false });
  }

  /** The answers other routers recorded first, for claims that lost a race with a row committed after their statement's snapshot. */
  private async readAnswers(claims: Claim[]): Promise<string[]> {
    const { rows } = await this.connection.query<{ event_id: string; event_hash: string; answer_text: string }>({
      name: 'read-answers',
      text: READ_ANSWERS,
      values: [JSON.stringify(claims.map((c) => [c.eventId, c.eventHash]))],
    });
    const byKey = new Map(rows.map((r) => [`${r.event_id}\u0000${r.event_hash}`, r.answer_text]));
    return claims.map((c) => {
      const text = byKey.get(`${c.eventId}\u0000${c.eventHash}`);
      if (text === undefined) throw new Error('the first answer to this event is neither recorded nor readable');
      return text;
    });
  }

  async claimEvent(key: string): Promise<boolean> {
    const { rowCount } = await this.connection.query({ name: 'claim-event', text: 'INSERT INTO seen_events (key, at) VALUES ($1, $2) ON CONFLICT DO NOTHING', values: [key.replaceAll('\u0000', '\uFFFD'), Date.now()] });
    return rowCount === 1;
  }
}

/**
 * The event id as PostgreSQL can hold it (text has no NUL) and as a JSON parameter can carry it:
 * a lone UTF-16 surrogate, which a text parameter's UTF-8 encoding turned into U+FFFD, would fail
 * the whole batch's JSON instead. So the stored key is the same as before batching.
 */
function storableText(text: string): string {
  const noNul = text.replaceAll('\u0000', '\uFFFD');
  return /[\uD800-\uDFFF]/.test(noNul) ? noNul.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD') : noNul;
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
  return async (eventId: string, eventText: string, answerText: string, waitMs: number): Promise<{ text: string; first: boolean } | undefined> => {
    const claimed = await within(waitMs, shared.claimAnswer(eventId, eventText, answerText));
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

import type pg from 'pg';
import { type CallLogReads, type CallRecord, type HourCount, type Retention, type RuleHits, STORY_RECORDS, type WriteReport } from './call-store.js';
import { type CallRow, callFromRow } from './call-row.js';

const COLUMNS = 'id, at, kind, session_id, call_id, dedupe_key, rule_id, rules_version, status, outcome, reason, detail, source, destination, event_text, response_text';

// One statement per batch: the rows, then the hourly and per-rule counts of those actually
// inserted (a duplicate delivery, here or on another router, is neither stored nor counted twice).
// Counts are upserted in key order so two routers writing at once lock them in the same order.
// The rows go as ONE parameter, a JSON array of arrays: one native JSON.stringify on the router
// instead of 15 text arrays that pg escapes element by element.
const INSERT_BATCH = `
WITH ins AS (
  INSERT INTO call_log (at, kind, session_id, call_id, dedupe_key, rule_id, rules_version, status, outcome, reason, detail, source, destination, event_text, response_text)
  SELECT (r->>0)::bigint, r->>1, r->>2, r->>3, r->>4, r->>5, r->>6, r->>7, r->>8, r->>9, r->>10, r->>11, r->>12, r->>13, r->>14 FROM jsonb_array_elements($1::jsonb) AS r
  ON CONFLICT DO NOTHING
  RETURNING at, kind, rule_id, outcome
), hours AS (
  INSERT INTO call_hours (hour, calls, fallbacks)
  SELECT at / 3600000 * 3600000, count(*), count(*) FILTER (WHERE outcome = 'fallback') FROM ins WHERE kind = 'call-action' GROUP BY 1 ORDER BY 1
  ON CONFLICT (hour) DO UPDATE SET calls = call_hours.calls + excluded.calls, fallbacks = call_hours.fallbacks + excluded.fallbacks
), rules AS (
  INSERT INTO rule_hours (hour, rule_id, hits, last_at)
  SELECT at / 3600000 * 3600000, rule_id, count(*), max(at) FROM ins WHERE kind = 'call-action' AND rule_id IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2
  ON CONFLICT (hour, rule_id) DO UPDATE SET hits = rule_hours.hits + excluded.hits, last_at = greatest(rule_hours.last_at, excluded.last_at)
)
SELECT count(*)::int AS written FROM ins`;

// Newest `limit` per index, then merged, as in the SQLite log: a busy number matches many rows.
const SEARCH = `SELECT ${COLUMNS} FROM call_log WHERE id IN (${['session_id', 'call_id', 'source', 'destination']
  .map((column) => `(SELECT id FROM call_log WHERE ${column} = $1 ORDER BY id DESC LIMIT $2)`)
  .join(' UNION ')}) ORDER BY id DESC LIMIT $2`;

/** One router at a time prunes: the others skip the round (a lock per purpose, apart from migrations'). */
export const RETENTION_LOCK = 0x64_6c_6f_67; // "dlog"
/** Rows deleted per statement, so one prune never holds a long lock on the log. */
const DELETE_CHUNK = 5000;

/**
 * The decision log in PostgreSQL, shared by every router on the database. Writes are one
 * statement per batch; reads are plain indexed queries. Errors are thrown as they come: the
 * writer (postgres-call-log.ts) decides what waits and what is refused.
 */
export class PostgresCallStore implements CallLogReads {
  constructor(private readonly pool: pg.Pool) {}

  /** Inserts the batch; throws when the database cannot take it (nothing of the batch is kept then). */
  async write(records: readonly CallRecord[]): Promise<WriteReport> {
    if (records.length === 0) return { written: 0, duplicates: 0, failed: 0 };
    const { rows } = await this.pool.query<{ written: number }>({ name: 'insert-call-log-json', text: INSERT_BATCH, values: [JSON.stringify(records.map(toParams))] });
    const written = rows[0]?.written ?? 0;
    return { written, duplicates: records.length - written, failed: 0 };
  }

  /** One statement per record, for a batch the database refused: a record it refuses is counted alone. */
  async writeEach(records: readonly CallRecord[]): Promise<WriteReport> {
    const report: WriteReport = { written: 0, duplicates: 0, failed: 0 };
    for (const r of records) {
      try {
        const one = await this.write([r]);
        report.written += one.written;
        report.duplicates += one.duplicates;
      } catch (e) {
        if (!isRefusal(e)) throw e;
        report.failed++;
        report.firstError ??= e instanceof Error ? e.message : String(e);
      }
    }
    return report;
  }

  async session(sessionId: string, limit = STORY_RECORDS): Promise<CallRecord[]> {
    const { rows } = await this.pool.query<CallRow>(`SELECT ${COLUMNS} FROM call_log WHERE session_id = $1 ORDER BY id LIMIT $2`, [sessionId, limit]);
    return rows.map(callFromRow);
  }

  async sessionSummary(sessionId: string): Promise<CallRecord | undefined> {
    const { rows } = await this.pool.query<CallRow>(`SELECT ${COLUMNS} FROM call_log WHERE session_id = $1 AND kind = 'session-summary' ORDER BY id DESC LIMIT 1`, [sessionId]);
    return rows[0] && callFromRow(rows[0]);
  }

  async ruleForSession(sessionId: string): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ rule_id: string | null }>("SELECT rule_id FROM call_log WHERE session_id = $1 AND kind = 'call-action' ORDER BY id LIMIT 1", [sessionId]);
    return rows[0]?.rule_id ?? undefined;
  }

  async recent(options: { limit: number; search?: string }): Promise<CallRecord[]> {
    const limit = Math.max(0, Math.floor(options.limit));
    const { rows } = options.search === undefined ? await this.pool.query<CallRow>(`SELECT ${COLUMNS} FROM call_log ORDER BY id DESC LIMIT $1`, [limit]) : await this.pool.query<CallRow>(SEARCH, [options.search, limit]);
    return rows.map(callFromRow);
  }

  async hourly(sinceMs: number): Promise<HourCount[]> {
    const { rows } = await this.pool.query<{
      hour: string;
      calls: string;
      fallbacks: string;
    }>('SELECT hour, calls, fallbacks FROM call_hours WHERE hour >= $1 ORDER BY hour', [hourOf(sinceMs)]);
    return rows.map((r) => ({
      hour: Number(r.hour),
      calls: Number(r.calls),
      fallbacks: Number(r.fallbacks),
    }));
  }

  async ruleHits(sinceMs: number): Promise<RuleHits[]> {
    const { rows } = await this.pool.query<{
      rule_id: string;
      hits: string;
      last_at: string;
    }>('SELECT rule_id, sum(hits) AS hits, max(last_at) AS last_at FROM rule_hours WHERE hour >= $1 GROUP BY rule_id', [hourOf(sinceMs)]);
    return rows.map((r) => ({
      ruleId: r.rule_id,
      hits: Number(r.hits),
      lastAt: Number(r.last_at),
    }));
  }

  /**
   * Deletes what retention no longer allows (age and row count; the byte cap is the SQLite
   * file's), and the shared answers and seen events past their use. Runs only while this router
   * holds the retention lock: with ten routers, one prunes and nine skip. Returns rows deleted,
   * or undefined when another router is pruning.
   */
  async prune(retention: Pick<Retention, 'maxAgeMs' | 'maxRows'>, now: number, keep: { answersMs: number; seenMs: number }): Promise<number | undefined> {
    const client = await this.pool.connect();
    try {
      const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [RETENTION_LOCK]);
      if (!rows[0]?.locked) return undefined;
      try {
        let deleted = 0;
        const cutoff = now - retention.maxAgeMs;
        deleted += await chunked(client, 'DELETE FROM call_log WHERE id IN (SELECT id FROM call_log WHERE at < $1 ORDER BY id LIMIT $2)', cutoff);
        const top = await client.query<{ hi: string | null }>('SELECT max(id) AS hi FROM call_log');
        const hi = top.rows[0]?.hi;
        if (hi !== null && hi !== undefined) deleted += await chunked(client, 'DELETE FROM call_log WHERE id IN (SELECT id FROM call_log WHERE id <= $1 ORDER BY id LIMIT $2)', Number(hi) - retention.maxRows);
        await client.query('DELETE FROM call_hours WHERE hour < $1', [cutoff - 3_600_000]);
        await client.query('DELETE FROM rule_hours WHERE hour < $1', [cutoff - 3_600_000]);
        await chunked(client, 'DELETE FROM call_answers WHERE ctid IN (SELECT ctid FROM call_answers WHERE at < $1 LIMIT $2)', now - keep.answersMs);
        await chunked(client, 'DELETE FROM seen_events WHERE ctid IN (SELECT ctid FROM seen_events WHERE at < $1 LIMIT $2)', now - keep.seenMs);
        return deleted;
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [RETENTION_LOCK]);
      }
    } finally {
      client.release();
    }
  }

  /** The pool is the server's: closing the log leaves it to start-server. */
  close(): void {}
}

async function chunked(client: pg.PoolClient, sql: string, bound: number): Promise<number> {
  let deleted = 0;
  for (;;) {
    const n = (await client.query(sql, [bound, DELETE_CHUNK])).rowCount ?? 0;
    deleted += n;
    if (n < DELETE_CHUNK) return deleted;
  }
}

/** The database refused this data (bad value, constraint): writing it again will not help. */
export function isRefusal(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  return typeof code === 'string' && /^(22|23|42)/.test(code);
}

function hourOf(ms: number): number {
  return Math.floor(ms / 3_600_000) * 3_600_000;
}

/** PostgreSQL text cannot hold NUL: it becomes U+FFFD, as a JSON parser would show a bad byte. */
function text(v: unknown): string | null {
  return typeof v === 'string' ? v.replaceAll('\u0000', '\uFFFD') : null;
}

function toParams(r: CallRecord): unknown[] {
  return [
    Math.floor(r.at),
    r.kind,
    text(r.sessionId) ?? '',
    text(r.callId),
    text(r.dedupeKey),
    text(r.ruleId),
    text(r.rulesVersion),
    text(r.status),
    text(r.decision?.outcome),
    text(r.decision?.reason),
    text(r.decision?.detail),
    text(r.source),
    text(r.destination),
    text(r.eventText) ?? '',
    text(r.responseText),
  ];
}

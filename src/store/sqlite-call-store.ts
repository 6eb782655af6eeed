import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { type CallRecord, type CallStore, type HourCount, type Retention, type RuleHits, STORY_RECORDS, type WriteReport } from './call-store.js';
import { type CallRow, callFromRow } from './call-row.js';
import { BUCKET_SHIFT, dedupeHash, migrateCallLog, refuseNewerCallLog } from './sqlite-call-schema.js';
import { optionalHash, textHash } from './text-hash.js';

const BUCKET_ROWS = 2 ** BUCKET_SHIFT;

const COLUMNS = 'id, at, kind, session_id, call_id, dedupe_key, rule_id, rules_version, status, outcome, reason, detail, source, destination, event_text, response_text';

export interface OpenOptions {
  /** A read connection for the main thread: no schema changes, no writes, short waits. */
  readonly?: boolean;
}

/**
 * The decision log in an SQLite file through better-sqlite3, in WAL mode: readers (the main
 * thread) never wait for the writer (the call-log worker), and SQLite's own recovery rolls a
 * torn write back when the file is next opened, after a kill or a power cut.
 *
 * synchronous=FULL: each commit (one per batch, a few per second) is on disk before the next
 * batch, so a power cut loses at most the batch being written, as a kill -9 does. NORMAL would
 * survive kill -9 just the same (the WAL is in the OS cache) but a power cut could lose every
 * commit since the last checkpoint; the fsync it saves runs on the worker, not the main thread.
 */
export class SqliteCallStore implements CallStore {
  private readonly db: Database.Database;
  private readonly statements: ReturnType<SqliteCallStore['prepare']>;

  constructor(path: string, options: OpenOptions = {}) {
    if (options.readonly) {
      this.db = new Database(path, { readonly: true, fileMustExist: true });
      // A read blocks the main thread while it waits: give up quickly instead.
      this.db.pragma('busy_timeout = 200');
    } else {
      if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
      this.db = new Database(path);
      try {
        refuseNewerCallLog(this.db, path);
      } catch (e) {
        this.db.close();
        throw e;
      }
      this.db.pragma('busy_timeout = 5000');
      // Only takes effect on a new file: lets pruning give pages back to the file system.
      this.db.pragma('auto_vacuum = INCREMENTAL');
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      // The WAL is truncated back to this after a checkpoint instead of staying at its peak.
      this.db.pragma('journal_size_limit = 16777216');
      migrateCallLog(this.db);
    }
    this.statements = this.prepare();
  }

  /**
   * Opens the log for writing, moving a corrupt file aside (renamed `*.corrupt-<time>`) and
   * starting a new one, so a damaged file never keeps the log off.
   */
  static openForWriting(path: string, onMovedAside: (movedTo: string, reason: string) => void = () => {}): SqliteCallStore {
    try {
      const store = new SqliteCallStore(path);
      const check = store.quickCheck();
      if (check === 'ok') return store;
      store.close();
      throw Object.assign(new Error(`integrity check failed: ${check}`), { code: 'SQLITE_CORRUPT' });
    } catch (e) {
      if (path === ':memory:' || !isCorruption(e)) throw e;
      const movedTo = `${path}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      for (const suffix of ['', '-wal', '-shm']) if (existsSync(path + suffix)) renameSync(path + suffix, movedTo + suffix);
      onMovedAside(movedTo, e instanceof Error ? e.message : String(e));
      return new SqliteCallStore(path);
    }
  }

  write(records: readonly CallRecord[]): WriteReport {
    const report: WriteReport = { written: 0, duplicates: 0, failed: 0 };
    if (records.length === 0) return report;
    const hours = new Map<number, { calls: number; fallbacks: number }>();
    const ruleHours = new Map<string, { hour: number; ruleId: string; hits: number; lastAt: number }>();
    const { insert, recentDuplicate, lastId, addHour, addRuleHour } = this.statements;
    this.db.exec('BEGIN');
    try {
      let last = (lastId.get() as number | null) ?? 0;
      for (const r of records) {
        // One statement per record: a record SQLite refuses rolls back only itself.
        try {
          const params = toParams(r);
          if (params.dedupeH !== null) {
            // Only the newest two buckets (4,096 to 8,192 rows back) are checked: 8x8 repeats a
            // delivery within seconds, and the replay cache answers repeats for 10 minutes.
            const bucket = Math.floor((last + 1) / BUCKET_ROWS);
            if (recentDuplicate.get(bucket, bucket - 1, params.dedupeH, params.kind, params.dedupeKey) !== undefined) {
              report.duplicates++;
              continue;
            }
          }
          last = Number(insert.run(params).lastInsertRowid);
          report.written++;
          if (r.kind === 'call-action') {
            const hour = Math.floor(r.at / 3_600_000) * 3_600_000;
            const h = hours.get(hour) ?? { calls: 0, fallbacks: 0 };
            h.calls++;
            if (r.decision?.outcome === 'fallback') h.fallbacks++;
            hours.set(hour, h);
            if (typeof r.ruleId === 'string') {
              const key = `${hour}\u0000${r.ruleId}`;
              const rh = ruleHours.get(key) ?? { hour, ruleId: r.ruleId, hits: 0, lastAt: 0 };
              rh.hits++;
              rh.lastAt = Math.max(rh.lastAt, r.at);
              ruleHours.set(key, rh);
            }
          }
        } catch (e) {
          // Errors such as a full disk end the whole transaction: the batch failed, say so.
          if (!this.db.inTransaction) throw e;
          report.failed++;
          report.firstError ??= e instanceof Error ? e.message : String(e);
        }
      }
      for (const [hour, h] of hours) addHour.run(hour, h.calls, h.fallbacks);
      for (const rh of ruleHours.values()) addRuleHour.run(rh.hour, rh.ruleId, rh.hits, rh.lastAt);
      this.db.exec('COMMIT');
    } catch (e) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw e;
    }
    return report;
  }

  session(sessionId: string, limit = STORY_RECORDS): CallRecord[] {
    return (this.statements.session.all({ h: textHash(sessionId), v: sessionId, limit }) as CallRow[]).map(callFromRow);
  }

  sessionSummary(sessionId: string): CallRecord | undefined {
    const row = this.statements.sessionSummary.get({ h: textHash(sessionId), v: sessionId }) as CallRow | undefined;
    return row && callFromRow(row);
  }

  ruleForSession(sessionId: string): string | undefined {
    return (this.statements.ruleForSession.get({ h: textHash(sessionId), v: sessionId }) as string | null | undefined) ?? undefined;
  }

  recent(options: { limit: number; search?: string }): CallRecord[] {
    const limit = Math.max(0, Math.floor(options.limit));
    const rows = options.search === undefined ? this.statements.recent.all(limit) : this.search(options.search, limit);
    return (rows as CallRow[]).map(callFromRow);
  }

  /**
   * The newest `limit` rows whose session, call id, source or destination is `value`. The newest
   * bucket first, newest match first, so a number on every call stops there. Then older buckets
   * in runs that double (1, 2, 4, ...): a rare value costs one seek per bucket and column, all
   * inside a few statements, and a busy one stops once a run has found enough.
   */
  private search(value: string, limit: number): CallRow[] {
    if (limit === 0) return [];
    const { idRange, searchNewestBucket, searchBuckets, rowsByIds } = this.statements;
    const ids = idRange.get() as { lo: number | null; hi: number | null };
    if (ids.lo === null || ids.hi === null) return [];
    const h = textHash(value);
    const lo = Math.floor(ids.lo / BUCKET_ROWS);
    let hi = Math.floor(ids.hi / BUCKET_ROWS);
    const found = searchNewestBucket.all({ b: hi, h, v: value, limit }) as number[];
    for (let run = 1; hi > lo && found.length < limit; run *= 2) {
      const from = Math.max(lo, hi - run);
      for (const id of searchBuckets.all({ hi: hi - 1, lo: from, h, v: value, limit: limit - found.length }) as number[]) found.push(id);
      hi = from;
    }
    return found.length === 0 ? [] : (rowsByIds.all(JSON.stringify(found)) as CallRow[]);
  }

  hourly(sinceMs: number): HourCount[] {
    return this.statements.hourly.all(Math.floor(sinceMs / 3_600_000) * 3_600_000) as HourCount[];
  }

  ruleHits(sinceMs: number): RuleHits[] {
    return this.statements.ruleHits.all(Math.floor(sinceMs / 3_600_000) * 3_600_000) as RuleHits[];
  }

  prune(retention: Retention, now: number): number {
    const s = this.statements;
    let deleted = 0;
    // Oldest rows have the lowest ids: delete up to the first row young enough to keep.
    const firstKept = s.firstAtOrAfter.get(now - retention.maxAgeMs) as { id: number } | undefined;
    deleted += firstKept ? s.deleteUpTo.run(firstKept.id - 1).changes : s.deleteAll.run().changes;
    s.deleteOldHours.run(now - retention.maxAgeMs - 3_600_000);
    s.deleteOldRuleHours.run(now - retention.maxAgeMs - 3_600_000);
    const ids = s.idRange.get() as { lo: number | null; hi: number | null };
    if (ids.hi !== null && ids.lo !== null && ids.hi - ids.lo + 1 > retention.maxRows) deleted += s.deleteUpTo.run(ids.hi - retention.maxRows).changes;
    deleted += this.pruneBytes(retention.maxBytes);
    return deleted;
  }

  /** `PRAGMA integrity_check`, for tests and operators: 'ok' when the file is sound. */
  integrityCheck(): string {
    return (this.db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check).join('; ');
  }

  /** Bytes of the file's pages in use (free pages not counted). */
  usedBytes(): number {
    const pages = this.db.pragma('page_count', { simple: true }) as number;
    const free = this.db.pragma('freelist_count', { simple: true }) as number;
    return (pages - free) * (this.db.pragma('page_size', { simple: true }) as number);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** Deletes the oldest rows until the pages in use are 10% under the cap, then frees the pages. */
  private pruneBytes(maxBytes: number): number {
    let used = this.usedBytes();
    if (used <= maxBytes) return 0;
    const target = maxBytes * 0.9;
    let deleted = 0;
    for (let round = 0; round < 8 && used > target; round++) {
      const ids = this.statements.idRange.get() as { lo: number | null; hi: number | null };
      if (ids.lo === null || ids.hi === null) break;
      const rows = ids.hi - ids.lo + 1;
      const share = Math.min(1, (used - target) / used);
      deleted += this.statements.deleteUpTo.run(ids.lo + Math.max(1, Math.ceil(rows * share)) - 1).changes;
      this.db.pragma('incremental_vacuum');
      used = this.usedBytes();
    }
    return deleted;
  }

  private quickCheck(): string {
    return (this.db.pragma('quick_check(1)') as { quick_check: string }[])[0]?.quick_check ?? 'ok';
  }

  private prepare() {
    const db = this.db;
    const writable = !db.readonly;
    return {
      insert: writable
        ? db.prepare(
            `INSERT INTO call_log (${COLUMNS.replace('id, ', '')}, session_h, call_h, source_h, destination_h, dedupe_h) VALUES (@at, @kind, @sessionId, @callId, @dedupeKey, @ruleId, @rulesVersion, @status, @outcome, @reason, @detail, @source, @destination, @eventText, @responseText, @sessionH, @callH, @sourceH, @destinationH, @dedupeH)`,
          )
        : unusable('insert'),
      recentDuplicate: writable ? db.prepare(`SELECT 1 FROM call_log WHERE (id >> ${BUCKET_SHIFT}) IN (?, ?) AND dedupe_h = ? AND kind = ? AND dedupe_key = ? LIMIT 1`).pluck() : unusable('recentDuplicate'),
      lastId: db.prepare('SELECT max(id) FROM call_log').pluck(),
      addHour: writable
        ? db.prepare('INSERT INTO call_hours (hour, calls, fallbacks) VALUES (?, ?, ?) ON CONFLICT (hour) DO UPDATE SET calls = calls + excluded.calls, fallbacks = fallbacks + excluded.fallbacks')
        : unusable('addHour'),
      // A session's rows: one seek per bucket in the session index, oldest bucket first.
      session: db.prepare(
        `${EVERY_BUCKET} SELECT ${COLUMNS.replace(/\w+/g, 'c.$&')} FROM b CROSS JOIN call_log AS c ON (c.id >> ${BUCKET_SHIFT}) = b.n AND c.session_h = @h AND c.session_id = @v ORDER BY c.id LIMIT @limit`,
      ),
      ruleForSession: db
        .prepare(`${EVERY_BUCKET} SELECT c.rule_id FROM b CROSS JOIN call_log AS c ON (c.id >> ${BUCKET_SHIFT}) = b.n AND c.session_h = @h AND c.session_id = @v AND c.kind = 'call-action' ORDER BY c.id LIMIT 1`)
        .pluck(),
      sessionSummary: db.prepare(
        `${EVERY_BUCKET} SELECT ${COLUMNS.replace(/\w+/g, 'c.$&')} FROM b CROSS JOIN call_log AS c ON (c.id >> ${BUCKET_SHIFT}) = b.n AND c.session_h = @h AND c.session_id = @v AND c.kind = 'session-summary' ORDER BY c.id DESC LIMIT 1`,
      ),
      recent: db.prepare(`SELECT ${COLUMNS} FROM call_log ORDER BY id DESC LIMIT ?`),
      // The four indexes hold the same text's hash: the newest matches in one bucket, each index
      // walked backwards and stopped at `limit`...
      searchNewestBucket: db
        .prepare(
          `SELECT id FROM (${SEARCHED.map(([c, column]) => `SELECT id FROM (SELECT id FROM call_log WHERE (id >> ${BUCKET_SHIFT}) = @b AND ${c}_h = @h AND ${column} = @v ORDER BY id DESC LIMIT @limit)`).join(' UNION ')}) ORDER BY id DESC LIMIT @limit`,
        )
        .pluck(),
      // ...and every match in the buckets from @hi down to @lo.
      searchBuckets: db
        .prepare(
          `WITH RECURSIVE b(n) AS (SELECT @hi UNION ALL SELECT n - 1 FROM b WHERE n > @lo) SELECT id FROM (${SEARCHED.map(([c, column]) => `SELECT c.id FROM b CROSS JOIN call_log AS c ON (c.id >> ${BUCKET_SHIFT}) = b.n AND c.${c}_h = @h AND c.${column} = @v`).join(' UNION ')}) ORDER BY id DESC LIMIT @limit`,
        )
        .pluck(),
      rowsByIds: db.prepare(`SELECT ${COLUMNS} FROM call_log WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id DESC`),
      hourly: db.prepare('SELECT hour, calls, fallbacks FROM call_hours WHERE hour >= ? ORDER BY hour'),
      addRuleHour: writable
        ? db.prepare('INSERT INTO rule_hours (hour, rule_id, hits, last_at) VALUES (?, ?, ?, ?) ON CONFLICT (hour, rule_id) DO UPDATE SET hits = hits + excluded.hits, last_at = max(last_at, excluded.last_at)')
        : unusable('addRuleHour'),
      ruleHits: db.prepare('SELECT rule_id AS ruleId, sum(hits) AS hits, max(last_at) AS lastAt FROM rule_hours WHERE hour >= ? GROUP BY rule_id'),
      firstAtOrAfter: db.prepare('SELECT id FROM call_log WHERE at >= ? ORDER BY id LIMIT 1'),
      // Two subqueries: `SELECT min(id), max(id)` in one would scan the whole table.
      idRange: db.prepare('SELECT (SELECT min(id) FROM call_log) AS lo, (SELECT max(id) FROM call_log) AS hi'),
      deleteUpTo: writable ? db.prepare('DELETE FROM call_log WHERE id <= ?') : unusable('deleteUpTo'),
      deleteAll: writable ? db.prepare('DELETE FROM call_log') : unusable('deleteAll'),
      deleteOldHours: writable ? db.prepare('DELETE FROM call_hours WHERE hour < ?') : unusable('deleteOldHours'),
      deleteOldRuleHours: writable ? db.prepare('DELETE FROM rule_hours WHERE hour < ?') : unusable('deleteOldRuleHours'),
    };
  }
}

/** Stands in for a write statement on a read connection. */
function unusable(name: string): Database.Statement {
  const fail = () => {
    throw new Error(`the read connection cannot ${name}`);
  };
  return { run: fail, get: fail, all: fail } as unknown as Database.Statement;
}

/** What search looks in: each index's hash column and the text it hashes. */
const SEARCHED = [
  ['session', 'session_id'],
  ['call', 'call_id'],
  ['source', 'source'],
  ['destination', 'destination'],
] as const;

/** The buckets from the oldest row's to the newest's: each a seek in a bucket-led index. */
const EVERY_BUCKET = `WITH RECURSIVE b(n) AS (SELECT (SELECT min(id) FROM call_log) >> ${BUCKET_SHIFT} UNION ALL SELECT n + 1 FROM b WHERE n < (SELECT max(id) FROM call_log) >> ${BUCKET_SHIFT})`;

const text = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/** Bind parameters from a record; anything not a string becomes one, so a binding never throws. */
function toParams(r: CallRecord) {
  const kind = String(r.kind);
  const sessionId = String(r.sessionId);
  const callId = text(r.callId);
  const dedupeKey = text(r.dedupeKey);
  const source = text(r.source);
  const destination = text(r.destination);
  return {
    at: Number.isFinite(r.at) ? Math.floor(r.at) : Date.now(),
    kind,
    sessionId,
    callId,
    dedupeKey,
    sessionH: textHash(sessionId),
    callH: optionalHash(callId),
    sourceH: optionalHash(source),
    destinationH: optionalHash(destination),
    dedupeH: dedupeHash(kind, dedupeKey),
    ruleId: text(r.ruleId),
    rulesVersion: text(r.rulesVersion),
    status: text(r.status),
    outcome: text(r.decision?.outcome),
    reason: text(r.decision?.reason),
    detail: text(r.decision?.detail),
    source,
    destination,
    eventText: text(r.eventText) ?? '',
    responseText: text(r.responseText),
  };
}

function isCorruption(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB');
}

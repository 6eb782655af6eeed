import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { CallRecord, CallStore, HourCount, Retention, RuleHits, WriteReport } from './call-store.js';
import { type CallRow, callFromRow } from './call-row.js';

const SCHEMA_VERSION = 2;

// Only the indexes the queries use: a session's story, the dedupe on insert, and search by
// callId or number. Age and row pruning walk the primary key (rows arrive in time order), and
// the hourly counts live in their own small table, so `at` needs no index.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS call_log (
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  kind TEXT NOT NULL,
  session_id TEXT NOT NULL,
  call_id TEXT,
  dedupe_key TEXT,
  rule_id TEXT,
  rules_version TEXT,
  status TEXT,
  outcome TEXT,
  reason TEXT,
  detail TEXT,
  source TEXT,
  destination TEXT,
  event_text TEXT NOT NULL,
  response_text TEXT
);
CREATE INDEX IF NOT EXISTS call_log_session ON call_log (session_id);
CREATE INDEX IF NOT EXISTS call_log_call ON call_log (call_id) WHERE call_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS call_log_source ON call_log (source) WHERE source IS NOT NULL;
CREATE INDEX IF NOT EXISTS call_log_destination ON call_log (destination) WHERE destination IS NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS call_log_dedupe ON call_log (kind, dedupe_key) WHERE dedupe_key IS NOT NULL;
CREATE TABLE IF NOT EXISTS call_hours (hour INTEGER PRIMARY KEY, calls INTEGER NOT NULL, fallbacks INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS rule_hours (hour INTEGER NOT NULL, rule_id TEXT NOT NULL, hits INTEGER NOT NULL, last_at INTEGER NOT NULL, PRIMARY KEY (hour, rule_id)) WITHOUT ROWID;
`;

// Version 1 (node-sqlite3-wasm) kept one JSON column `data` with the event, decision and callflow.
const MIGRATE_V1 = `
ALTER TABLE call_log RENAME TO call_log_v1;
DROP INDEX IF EXISTS call_log_session;
DROP INDEX IF EXISTS call_log_at;
DROP INDEX IF EXISTS call_log_dedupe;
${SCHEMA}
INSERT INTO call_log (id, at, kind, session_id, call_id, dedupe_key, rule_id, rules_version, status, outcome, reason, detail, source, destination, event_text, response_text)
  SELECT id, at, kind, session_id, call_id, dedupe_key, rule_id, rules_version, status,
    json_extract(data, '$.decision.outcome'), json_extract(data, '$.decision.reason'), json_extract(data, '$.decision.detail'),
    CASE kind WHEN 'call-action' THEN json_extract(data, '$.event.source') END,
    CASE kind WHEN 'call-action' THEN json_extract(data, '$.event.destination') END,
    json_object('payload', json(json_extract(data, '$.event'))),
    json_extract(data, '$.callflow')
  FROM call_log_v1;
INSERT INTO call_hours (hour, calls, fallbacks)
  SELECT at / 3600000 * 3600000, count(*), sum(json_extract(data, '$.decision.outcome') = 'fallback') FROM call_log_v1 WHERE kind = 'call-action' GROUP BY 1;
INSERT INTO rule_hours (hour, rule_id, hits, last_at)
  SELECT at / 3600000 * 3600000, rule_id, count(*), max(at) FROM call_log_v1 WHERE kind = 'call-action' AND rule_id IS NOT NULL GROUP BY 1, 2;
DROP TABLE call_log_v1;
`;

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
      this.db.pragma('busy_timeout = 5000');
      // Only takes effect on a new file: lets pruning give pages back to the file system.
      this.db.pragma('auto_vacuum = INCREMENTAL');
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      // The WAL is truncated back to this after a checkpoint instead of staying at its peak.
      this.db.pragma('journal_size_limit = 16777216');
      this.migrate();
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
    const { insert, addHour, addRuleHour } = this.statements;
    this.db.exec('BEGIN');
    try {
      for (const r of records) {
        // One statement per record: a record SQLite refuses rolls back only itself.
        try {
          const changes = insert.run(toParams(r)).changes;
          if (changes === 0) {
            report.duplicates++;
            continue;
          }
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

  session(sessionId: string): CallRecord[] {
    return (this.statements.session.all(sessionId) as CallRow[]).map(callFromRow);
  }

  ruleForSession(sessionId: string): string | undefined {
    const row = this.statements.ruleForSession.get(sessionId) as { rule_id: string | null } | undefined;
    return row?.rule_id ?? undefined;
  }

  recent(options: { limit: number; search?: string }): CallRecord[] {
    const limit = Math.max(0, Math.floor(options.limit));
    const rows = options.search === undefined ? this.statements.recent.all(limit) : this.statements.search.all({ search: options.search, limit });
    return (rows as CallRow[]).map(callFromRow);
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

  private migrate(): void {
    const columns = (this.db.pragma('table_info(call_log)') as { name: string }[]).map((c) => c.name);
    if (columns.includes('data')) this.db.transaction(() => this.db.exec(MIGRATE_V1))();
    else this.db.exec(SCHEMA);
    this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }

  private prepare() {
    const db = this.db;
    const writable = !db.readonly;
    return {
      insert: writable
        ? db.prepare(
            `INSERT OR IGNORE INTO call_log (${COLUMNS.replace('id, ', '')}) VALUES (@at, @kind, @sessionId, @callId, @dedupeKey, @ruleId, @rulesVersion, @status, @outcome, @reason, @detail, @source, @destination, @eventText, @responseText)`,
          )
        : unusable('insert'),
      addHour: writable
        ? db.prepare('INSERT INTO call_hours (hour, calls, fallbacks) VALUES (?, ?, ?) ON CONFLICT (hour) DO UPDATE SET calls = calls + excluded.calls, fallbacks = fallbacks + excluded.fallbacks')
        : unusable('addHour'),
      session: db.prepare(`SELECT ${COLUMNS} FROM call_log WHERE session_id = ? ORDER BY id`),
      ruleForSession: db.prepare("SELECT rule_id FROM call_log WHERE session_id = ? AND kind = 'call-action' ORDER BY id LIMIT 1"),
      recent: db.prepare(`SELECT ${COLUMNS} FROM call_log ORDER BY id DESC LIMIT ?`),
      // Newest `limit` per index, then merged: a busy number matches many rows, and a plain OR
      // would collect and sort them all on the main thread.
      search: db.prepare(
        `SELECT ${COLUMNS} FROM call_log WHERE id IN (${['session_id', 'call_id', 'source', 'destination']
          .map((column) => `SELECT id FROM (SELECT id FROM call_log WHERE ${column} = @search ORDER BY id DESC LIMIT @limit)`)
          .join(' UNION ')}) ORDER BY id DESC LIMIT @limit`,
      ),
      hourly: db.prepare('SELECT hour, calls, fallbacks FROM call_hours WHERE hour >= ? ORDER BY hour'),
      addRuleHour: writable
        ? db.prepare('INSERT INTO rule_hours (hour, rule_id, hits, last_at) VALUES (?, ?, ?, ?) ON CONFLICT (hour, rule_id) DO UPDATE SET hits = hits + excluded.hits, last_at = max(last_at, excluded.last_at)')
        : unusable('addRuleHour'),
      ruleHits: db.prepare('SELECT rule_id AS ruleId, sum(hits) AS hits, max(last_at) AS lastAt FROM rule_hours WHERE hour >= ? GROUP BY rule_id'),
      firstAtOrAfter: db.prepare('SELECT id FROM call_log WHERE at >= ? ORDER BY id LIMIT 1'),
      idRange: db.prepare('SELECT min(id) AS lo, max(id) AS hi FROM call_log'),
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

const text = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/** Bind parameters from a record; anything not a string becomes one, so a binding never throws. */
function toParams(r: CallRecord) {
  return {
    at: Number.isFinite(r.at) ? Math.floor(r.at) : Date.now(),
    kind: String(r.kind),
    sessionId: String(r.sessionId),
    callId: text(r.callId),
    dedupeKey: text(r.dedupeKey),
    ruleId: text(r.ruleId),
    rulesVersion: text(r.rulesVersion),
    status: text(r.status),
    outcome: text(r.decision?.outcome),
    reason: text(r.decision?.reason),
    detail: text(r.decision?.detail),
    source: text(r.source),
    destination: text(r.destination),
    eventText: text(r.eventText) ?? '',
    responseText: text(r.responseText),
  };
}

function isCorruption(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB');
}

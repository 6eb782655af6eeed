import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import sqlite from 'node-sqlite3-wasm';
import type { Database } from 'node-sqlite3-wasm';
import type { CallRecord, CallStore, HourCount, Retention, RuleHits } from './call-store.js';

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
  data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS call_log_session ON call_log (session_id, id);
CREATE INDEX IF NOT EXISTS call_log_at ON call_log (at);
CREATE UNIQUE INDEX IF NOT EXISTS call_log_dedupe ON call_log (kind, dedupe_key) WHERE dedupe_key IS NOT NULL;
`;

/**
 * The decision log in an SQLite file, through node-sqlite3-wasm (SQLite compiled to WebAssembly:
 * no native build, runs on Node 20). Its VFS has no shared memory, so no WAL: writes are batched
 * into one transaction per flush instead.
 */
export class SqliteCallStore implements CallStore {
  private readonly db: Database;

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new sqlite.Database(path);
    this.db.exec(SCHEMA);
  }

  write(records: readonly CallRecord[]): void {
    if (records.length === 0) return;
    const insert = this.db.prepare(
      'INSERT OR IGNORE INTO call_log (at, kind, session_id, call_id, dedupe_key, rule_id, rules_version, status, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    try {
      this.db.exec('BEGIN');
      for (const r of records) {
        insert.run([r.at, r.kind, r.sessionId, r.callId, r.dedupeKey, r.ruleId, r.rulesVersion, r.status, JSON.stringify(r.data)]);
      }
      this.db.exec('COMMIT');
    } catch (e) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw e;
    } finally {
      insert.finalize();
    }
  }

  session(sessionId: string): CallRecord[] {
    return this.db.all('SELECT * FROM call_log WHERE session_id = ? ORDER BY id', [sessionId]).map(toRecord);
  }

  recent(options: { limit: number; search?: string }): CallRecord[] {
    const limit = Math.max(1, Math.min(10_000, Math.floor(options.limit)));
    if (options.search === undefined || options.search === '') {
      return this.db.all('SELECT * FROM call_log ORDER BY id DESC LIMIT ?', [limit]).map(toRecord);
    }
    const q = options.search;
    return this.db
      .all(
        `SELECT * FROM call_log WHERE session_id = ? OR call_id = ?
           OR json_extract(data, '$.event.source') = ? OR json_extract(data, '$.event.destination') = ?
         ORDER BY id DESC LIMIT ?`,
        [q, q, q, q, limit],
      )
      .map(toRecord);
  }

  hourly(sinceMs: number): HourCount[] {
    return this.db
      .all(
        `SELECT (at / 3600000) * 3600000 AS hour, COUNT(*) AS calls,
                SUM(CASE WHEN rule_id = 'fallback' AND json_extract(data, '$.decision.outcome') = 'fallback' THEN 1 ELSE 0 END) AS fallbacks
         FROM call_log WHERE kind = 'call-action' AND at >= ? GROUP BY hour ORDER BY hour`,
        [sinceMs],
      )
      .map((row) => ({ hour: Number(row.hour), calls: Number(row.calls), fallbacks: Number(row.fallbacks) }));
  }

  ruleHits(sinceMs: number): RuleHits[] {
    return this.db
      .all("SELECT rule_id, COUNT(*) AS hits, MAX(at) AS last_at FROM call_log WHERE kind = 'call-action' AND at >= ? AND rule_id IS NOT NULL GROUP BY rule_id", [sinceMs])
      .map((row) => ({ ruleId: String(row.rule_id), hits: Number(row.hits), lastAt: Number(row.last_at) }));
  }

  ruleForSession(sessionId: string): string | undefined {
    const row = this.db.get("SELECT rule_id FROM call_log WHERE session_id = ? AND kind = 'call-action' ORDER BY id LIMIT 1", [sessionId]);
    return row?.rule_id === null || row?.rule_id === undefined ? undefined : String(row.rule_id);
  }

  prune(retention: Retention, now: number): number {
    const old = this.db.run('DELETE FROM call_log WHERE at < ?', [now - retention.maxAgeMs]).changes;
    const excess = this.db.run('DELETE FROM call_log WHERE id <= (SELECT id FROM call_log ORDER BY id DESC LIMIT 1 OFFSET ?)', [retention.maxRows]).changes;
    return old + excess;
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }
}

function text(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

/** A row as a record, with the contract's compact fields derived from `data`. */
function toRecord(row: Record<string, unknown>): CallRecord {
  const data = JSON.parse(String(row.data)) as Record<string, unknown>;
  const event = (data.event ?? {}) as { source?: unknown; destination?: unknown };
  const decision = data.decision as CallRecord['decision'];
  return {
    kind: row.kind as CallRecord['kind'],
    sessionId: String(row.session_id),
    callId: text(row.call_id),
    dedupeKey: text(row.dedupe_key),
    ruleId: text(row.rule_id),
    rulesVersion: text(row.rules_version),
    status: text(row.status),
    at: Number(row.at),
    data,
    eventText: JSON.stringify(data.event ?? null),
    ...(data.callflow !== undefined ? { responseText: JSON.stringify(data.callflow) } : {}),
    ...(decision ? { decision } : {}),
    ...(typeof event.source === 'string' ? { source: event.source } : {}),
    ...(typeof event.destination === 'string' ? { destination: event.destination } : {}),
  };
}

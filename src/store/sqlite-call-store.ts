import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import sqlite from 'node-sqlite3-wasm';
import type { Database } from 'node-sqlite3-wasm';
import type { CallRecord, CallStore, Retention } from './call-store.js';

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
    return this.db.all('SELECT * FROM call_log WHERE session_id = ? ORDER BY id', [sessionId]).map((row) => ({
      kind: row.kind as CallRecord['kind'],
      sessionId: String(row.session_id),
      callId: row.call_id === null ? null : String(row.call_id),
      dedupeKey: row.dedupe_key === null ? null : String(row.dedupe_key),
      ruleId: row.rule_id === null ? null : String(row.rule_id),
      rulesVersion: row.rules_version === null ? null : String(row.rules_version),
      status: row.status === null ? null : String(row.status),
      at: Number(row.at),
      data: JSON.parse(String(row.data)) as Record<string, unknown>,
    }));
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

import type Database from 'better-sqlite3';
import { optionalHash, textHash } from './text-hash.js';

const SCHEMA_VERSION = 3;

/** Rows per bucket, as a shift of the row id: every lookup index starts with `id >> BUCKET_SHIFT`. */
export const BUCKET_SHIFT = 12;

const COLUMNS_V2 = `
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
  response_text TEXT`;

const COUNT_TABLES = `
CREATE TABLE IF NOT EXISTS call_hours (hour INTEGER PRIMARY KEY, calls INTEGER NOT NULL, fallbacks INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS rule_hours (hour INTEGER NOT NULL, rule_id TEXT NOT NULL, hits INTEGER NOT NULL, last_at INTEGER NOT NULL, PRIMARY KEY (hour, rule_id)) WITHOUT ROWID;
`;

/**
 * Version 2, as main wrote it until v3: indexes on the text itself. Each insert lands at a random
 * place in five big B-trees (90–104 µs of writer CPU per row). Kept to migrate from, and for tests.
 */
export const SCHEMA_V2 = `
CREATE TABLE IF NOT EXISTS call_log (${COLUMNS_V2}
);
CREATE INDEX IF NOT EXISTS call_log_session ON call_log (session_id);
CREATE INDEX IF NOT EXISTS call_log_call ON call_log (call_id) WHERE call_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS call_log_source ON call_log (source) WHERE source IS NOT NULL;
CREATE INDEX IF NOT EXISTS call_log_destination ON call_log (destination) WHERE destination IS NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS call_log_dedupe ON call_log (kind, dedupe_key) WHERE dedupe_key IS NOT NULL;
${COUNT_TABLES}`;

const HASH_COLUMNS = ['session', 'call', 'source', 'destination', 'dedupe'] as const;

// Each index starts with the row's bucket, then a 32-bit hash of the value looked up: new rows
// only touch the newest bucket's few pages of each B-tree. A lookup seeks once per bucket and
// compares the real value (hashes collide). Rows keep ids in time order, so age and row pruning
// walk the primary key, and the hourly counts live in their own small tables.
const INDEXES_V3 = HASH_COLUMNS.map((c) => `CREATE INDEX IF NOT EXISTS call_log_${c}_h ON call_log ((id >> ${BUCKET_SHIFT}), ${c}_h)${c === 'session' ? '' : ` WHERE ${c}_h IS NOT NULL`};`).join('\n');

const SCHEMA_V3 = `
CREATE TABLE IF NOT EXISTS call_log (${COLUMNS_V2},
  ${HASH_COLUMNS.map((c) => `${c}_h INTEGER`).join(',\n  ')}
);
${INDEXES_V3}
${COUNT_TABLES}`;

// Version 1 (node-sqlite3-wasm) kept one JSON column `data` with the event, decision and callflow.
const MIGRATE_V1 = `
ALTER TABLE call_log RENAME TO call_log_v1;
DROP INDEX IF EXISTS call_log_session;
DROP INDEX IF EXISTS call_log_at;
DROP INDEX IF EXISTS call_log_dedupe;
${SCHEMA_V2}
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

// v2 → v3: the same rows, hashed; the text indexes give way to bucketed hash indexes.
const MIGRATE_V2 = `
${HASH_COLUMNS.map((c) => `ALTER TABLE call_log ADD COLUMN ${c}_h INTEGER;`).join('\n')}
UPDATE call_log SET session_h = call_log_hash(session_id), call_h = call_log_hash(call_id), source_h = call_log_hash(source),
  destination_h = call_log_hash(destination), dedupe_h = call_log_hash(kind || ' ' || dedupe_key);
DROP INDEX IF EXISTS call_log_session;
DROP INDEX IF EXISTS call_log_call;
DROP INDEX IF EXISTS call_log_source;
DROP INDEX IF EXISTS call_log_destination;
DROP INDEX IF EXISTS call_log_dedupe;
${INDEXES_V3}
`;

/** The key the dedupe index hashes: a kind and its dedupe key, or null when the record has none. */
export function dedupeHash(kind: string, dedupeKey: string | null): number | null {
  return dedupeKey === null ? null : textHash(`${kind} ${dedupeKey}`);
}

/**
 * Refuses a file from a newer router before anything touches it (even the journal mode): its
 * rows may mean something this one cannot read, and that router may still want it.
 */
export function refuseNewerCallLog(db: Database.Database, path: string): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw Object.assign(
      new Error(
        `the decision log ${path} was written by a newer version of the router (schema v${version}; this one reads up to v${SCHEMA_VERSION}): run the newer router, or point CALL_LOG at another file. The file was left as it is`,
      ),
      { code: 'CALL_LOG_TOO_NEW' },
    );
  }
}

/** Brings the file to this version in one transaction: a failed migration leaves it as it was. */
export function migrateCallLog(db: Database.Database): void {
  if ((db.pragma('user_version', { simple: true }) as number) === SCHEMA_VERSION) return;
  db.function('call_log_hash', { deterministic: true }, (s: unknown) => optionalHash(s === null || s === undefined ? null : String(s)));
  db.transaction(() => {
    const columns = (db.pragma('table_info(call_log)') as { name: string }[]).map((c) => c.name);
    if (columns.length === 0) db.exec(SCHEMA_V3);
    else {
      if (columns.includes('data')) db.exec(MIGRATE_V1);
      if (!columns.includes('session_h')) db.exec(MIGRATE_V2);
      db.exec(COUNT_TABLES);
    }
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  })();
}

/**
 * What the decision log's secondary indexes cost SQLite's writer, per row: one schema variant per
 * run (run them in interleaved rounds and compare in one sitting; not part of `npm run bench`).
 * Rows like the router's: the sample call action as received and its callflow as sent, random
 * session/call/event ids, 5,000 callers and 200 virtual numbers, 256-row transactions in WAL mode
 * with synchronous=FULL, as the writer thread commits them. CPU time of this process per row.
 *
 * - text: the schema as it is (v2): indexes on session_id, call_id, source, destination and a
 *   UNIQUE (kind, dedupe_key);
 * - hash: the same five indexes on INTEGER hashes of those texts (text re-checked in the query;
 *   dedupe by a lookup before the insert);
 * - bucket: the hash indexes led by a time bucket (rowid >> 12), so each batch writes only the
 *   newest bucket's pages; dedupe looks in the last two buckets;
 * - none: no secondary index (the floor).
 *
 * Usage: node bench/decision-log-indexes.mjs text|hash|bucket|none [warm rows, 30000] [measured rows, 15000]
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';

const variant = process.argv[2] ?? 'text';
const WARM = Number(process.argv[3] ?? 30_000);
const MEASURED = Number(process.argv[4] ?? 15_000);
const BATCH = 256;
const BUCKET_SHIFT = 12;

const eventText = readFileSync(new URL('../test/fixtures/8x8/call-action.json', import.meta.url), 'utf8');
const responseText = readFileSync(new URL('../test/fixtures/8x8/callflow-response.json', import.meta.url), 'utf8');

const TEXT_COLUMNS = ['at', 'kind', 'session_id', 'call_id', 'dedupe_key', 'rule_id', 'rules_version', 'status', 'outcome', 'reason', 'detail', 'source', 'destination', 'event_text', 'response_text'];
const HASH_COLUMNS = ['session_h', 'call_h', 'source_h', 'destination_h', 'dedupe_h'];
const INDEXES = {
  text: `CREATE INDEX s ON call_log (session_id); CREATE INDEX c ON call_log (call_id) WHERE call_id IS NOT NULL;
    CREATE INDEX so ON call_log (source) WHERE source IS NOT NULL; CREATE INDEX d ON call_log (destination) WHERE destination IS NOT NULL;
    CREATE UNIQUE INDEX k ON call_log (kind, dedupe_key) WHERE dedupe_key IS NOT NULL;`,
  hash: HASH_COLUMNS.map((c) => `CREATE INDEX ${c}_i ON call_log (${c});`).join('\n'),
  bucket: HASH_COLUMNS.map((c) => `CREATE INDEX ${c}_i ON call_log (bucket, ${c});`).join('\n'),
  none: '',
};
if (!(variant in INDEXES)) throw new Error(`unknown variant ${variant}: use ${Object.keys(INDEXES).join(', ')}`);
const hashed = variant === 'hash' || variant === 'bucket';
const bucketed = variant === 'bucket';

/** A 53-bit hash of a string (two 32-bit FNV-style lanes): collisions only cost a re-check. */
function hash53(s) {
  let a = 0x811c9dc5 | 0;
  let b = 0x1234567 | 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 16777619);
    b = Math.imul(b ^ c, 0x5bd1e995) ^ (b >>> 15);
  }
  return (a >>> 0) * 2097152 + ((b >>> 0) & 0x1fffff);
}

const dir = mkdtempSync(join(tmpdir(), 'decision-log-indexes-'));
const db = new Database(join(dir, 'calls.db'));
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
const columns = [...TEXT_COLUMNS, ...(hashed ? HASH_COLUMNS : []), ...(bucketed ? ['bucket'] : [])];
db.exec(`CREATE TABLE call_log (id INTEGER PRIMARY KEY, ${columns.map((c) => `${c} ${c.endsWith('_h') || c === 'at' || c === 'bucket' ? 'INTEGER' : 'TEXT'}`).join(', ')}); ${INDEXES[variant]}`);
const insert = db.prepare(`INSERT ${hashed ? '' : 'OR IGNORE '}INTO call_log (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
const seen = hashed && db.prepare(`SELECT 1 FROM call_log WHERE ${bucketed ? 'bucket IN (?, ?) AND ' : ''}dedupe_h = ? AND kind = ? AND dedupe_key = ?`);

const callers = Array.from({ length: 5000 }, (_, i) => `+6591${String(100000 + i * 7).padStart(6, '0')}`);
const numbers = Array.from({ length: 200 }, (_, i) => `+6561${String(200000 + i).padStart(6, '0')}`);
let rows = 0;

function writeBatch() {
  db.exec('BEGIN');
  for (let i = 0; i < BATCH; i++) {
    const kind = 'call-action';
    const sessionId = randomUUID();
    const callId = `c-${randomUUID()}`;
    const eventId = randomUUID();
    const source = callers[(Math.random() * callers.length) | 0];
    const destination = numbers[(Math.random() * numbers.length) | 0];
    const values = [Date.now(), kind, sessionId, callId, eventId, 'sg-support', 'cf5fa9374a1a', null, 'matched', null, null, source, destination, eventText, responseText];
    if (hashed) {
      const dedupeH = hash53(`${kind}\u0000${eventId}`);
      const bucket = rows >> BUCKET_SHIFT;
      if (bucketed ? seen.get(bucket - 1, bucket, dedupeH, kind, eventId) : seen.get(dedupeH, kind, eventId)) continue;
      values.push(hash53(sessionId), hash53(callId), hash53(source), hash53(destination), dedupeH);
      if (bucketed) values.push(bucket);
    }
    insert.run(values);
    rows++;
  }
  db.exec('COMMIT');
}

const cpuUs = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
for (let i = 0; i < WARM; i += BATCH) writeBatch();
const start = cpuUs();
for (let i = 0; i < MEASURED; i += BATCH) writeBatch();
console.log(`${variant}: ${((cpuUs() - start) / MEASURED).toFixed(1)} µs of CPU per row (after ${WARM} rows, ${BATCH}-row transactions)`);
db.close();
rmSync(dir, { recursive: true });

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { Metrics } from '../src/metrics/metrics.js';
import type { CallRecord } from '../src/store/call-store.js';
import { openCallLog } from '../src/store/open-call-log.js';
import { BUCKET_SHIFT, SCHEMA_V2, dedupeHash } from '../src/store/sqlite-call-schema.js';
import { SqliteCallStore } from '../src/store/sqlite-call-store.js';
import { textHash } from '../src/store/text-hash.js';

const BUCKET = 2 ** BUCKET_SHIFT;
const T0 = Date.UTC(2026, 7, 11, 9, 0, 0);

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'call-log-schema-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'calls.sqlite');
}

function open(file: string): SqliteCallStore {
  const store = new SqliteCallStore(file);
  cleanups.push(() => store.close());
  return store;
}

const CALLERS = ['+6591110001', '+6581234567', '+6591110002'];

function action(n: number, extra: Partial<CallRecord> = {}): CallRecord {
  return {
    kind: 'call-action',
    sessionId: `s-${n}`,
    callId: `c-${n}`,
    dedupeKey: `e-${n}`,
    ruleId: 'sg-support',
    rulesVersion: 'v1',
    status: null,
    at: T0 + n,
    eventText: `{"payload":{"eventId":"e-${n}"}}`,
    responseText: '{"clientActionId":"x","callflow":[{"action":"hangup"}]}',
    decision: { outcome: 'matched' },
    source: CALLERS[n % CALLERS.length]!,
    destination: '+6561234567',
    ...extra,
  };
}

function status(sessionId: string, eventId: string, at: number): CallRecord {
  return { kind: 'call-status', sessionId, callId: null, dedupeKey: eventId, ruleId: null, rulesVersion: null, status: 'COMPLETED', at, eventText: '{"payload":{}}' };
}

/** Two different texts `make(i)` with the same hash (a birthday search: about 80,000 tries). */
function collidingPair(make: (i: number) => string, hash: (text: string) => number = textHash): [string, string] {
  const seen = new Map<number, string>();
  for (let i = 0; ; i++) {
    const text = make(i);
    const h = hash(text);
    const earlier = seen.get(h);
    if (earlier !== undefined) return [earlier, text];
    seen.set(h, text);
  }
}

function rowCount(file: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT count(*) FROM call_log').pluck().get() as number;
  } finally {
    db.close();
  }
}

describe('decision log schema v3: the stored hash', () => {
  // Files hold these hashes: a different function would lose every lookup in an existing file.
  it.each([
    ['', -1421968373],
    ['a1d6a5e2-efec-11e9-b999-efc71013a78f', -1173223675],
    ['+6581234567', -417072043],
    ['call-status e-1', 1287271292],
    ['é✓', -1968574516],
  ])('textHash(%j) is %d, as stored in v3 files (changing it needs schema v4)', (text, hash) => {
    expect(textHash(text)).toBe(hash);
  });
});

describe('decision log schema v3: lookups across buckets', () => {
  it('finds a session, a call and a number however many buckets lie between their rows', () => {
    const store = open(tempFile());
    // s-1's call action in the first bucket, its status two buckets later, the summary in the last.
    const rows: CallRecord[] = [action(1)];
    for (let n = 2; n <= 3 * BUCKET; n++) rows.push(action(n));
    rows.push(status('s-1', 'st-1', T0 + 5 * BUCKET), { ...status('s-1', 'sum-1', T0 + 5 * BUCKET + 1), kind: 'session-summary', ruleId: 'sg-support' });
    expect(store.write(rows)).toEqual({ written: rows.length, duplicates: 0, failed: 0 });

    expect(store.session('s-1').map((r) => r.kind)).toEqual(['call-action', 'call-status', 'session-summary']);
    expect(store.session(`s-${3 * BUCKET}`).map((r) => r.callId)).toEqual([`c-${3 * BUCKET}`]);
    expect(store.session('s-none')).toEqual([]);
    expect(store.ruleForSession('s-1')).toBe('sg-support');
    expect(store.ruleForSession('s-none')).toBeUndefined();
    expect(store.recent({ limit: 10, search: 'c-1' }).map((r) => r.sessionId)).toEqual(['s-1']);
    expect(store.recent({ limit: 10, search: 's-1' }).map((r) => r.kind)).toEqual(['session-summary', 'call-status', 'call-action']);

    // A number on every third row: the newest first, limited, across a bucket boundary too.
    const newest = store.recent({ limit: 5, search: '+6581234567' }).map((r) => r.callId);
    const expected = rows
      .filter((r) => r.source === '+6581234567')
      .slice(-5)
      .reverse()
      .map((r) => r.callId);
    expect(newest).toEqual(expected);
    expect(store.recent({ limit: 3 * BUCKET, search: '+6581234567' })).toHaveLength(rows.filter((r) => r.source === '+6581234567').length);
    expect(store.recent({ limit: 2, search: '+6561234567' }).map((r) => r.callId)).toEqual([`c-${3 * BUCKET}`, `c-${3 * BUCKET - 1}`]);
  });

  it('tells apart two sessions whose ids share a hash, in the story, the rule and the search', () => {
    const [a, b] = collidingPair((i) => `session-${i}`);
    expect(textHash(a)).toBe(textHash(b));
    const store = open(tempFile());
    store.write([action(1, { sessionId: a, callId: 'c-a', ruleId: 'rule-a' }), action(2, { sessionId: b, callId: 'c-b', ruleId: 'rule-b' }), status(a, 'st-a', T0 + 10)]);
    expect(store.session(a).map((r) => r.callId ?? r.kind)).toEqual(['c-a', 'call-status']);
    expect(store.session(b).map((r) => r.callId)).toEqual(['c-b']);
    expect(store.ruleForSession(a)).toBe('rule-a');
    expect(store.ruleForSession(b)).toBe('rule-b');
    expect(store.recent({ limit: 10, search: b }).map((r) => r.sessionId)).toEqual([b]);
  });

  it('stores two different events whose dedupe keys share a hash, and a repeated one once', () => {
    const [e1, e2] = collidingPair(
      (i) => `evt-${i}`,
      (key) => dedupeHash('call-status', key)!,
    );
    const store = open(tempFile());
    expect(store.write([status('s-1', e1, T0), status('s-1', e2, T0 + 1), status('s-1', e1, T0 + 2)])).toEqual({ written: 2, duplicates: 1, failed: 0 });
    // The same eventId under another kind is another record.
    expect(store.write([{ ...action(1), dedupeKey: e1 }, status('s-1', e2, T0 + 3)])).toEqual({ written: 1, duplicates: 1, failed: 0 });
  });

  it('stores a repeated delivery once while it is among the newest buckets, as README says (at least 4,096 rows back)', () => {
    const store = open(tempFile());
    store.write([status('s-1', 'e-repeat', T0)]);
    const filler = Array.from({ length: BUCKET - 1 }, (_, i) => action(i + 10));
    store.write(filler);
    expect(store.write([status('s-1', 'e-repeat', T0 + 1)])).toMatchObject({ written: 0, duplicates: 1 });
    // Past the two newest buckets the file no longer checks: the in-memory caches cover that long.
    store.write(Array.from({ length: 2 * BUCKET }, (_, i) => action(i + 10 + BUCKET)));
    expect(store.write([status('s-1', 'e-repeat', T0 + 2)])).toMatchObject({ written: 1, duplicates: 0 });
  });
});

/** A file as main's v2 code left it: its own DDL, rows as its INSERT wrote them, user_version 2. */
function writeV2File(file: string, rows: CallRecord[]): void {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.exec(SCHEMA_V2);
  const insert = db.prepare(
    `INSERT OR IGNORE INTO call_log (at, kind, session_id, call_id, dedupe_key, rule_id, rules_version, status, outcome, reason, detail, source, destination, event_text, response_text)
     VALUES (@at, @kind, @sessionId, @callId, @dedupeKey, @ruleId, @rulesVersion, @status, @outcome, @reason, @detail, @source, @destination, @eventText, @responseText)`,
  );
  db.transaction(() => {
    for (const r of rows)
      insert.run({
        ...r,
        outcome: r.decision?.outcome ?? null,
        reason: r.decision?.reason ?? null,
        detail: r.decision?.detail ?? null,
        source: r.source ?? null,
        destination: r.destination ?? null,
        responseText: r.responseText ?? null,
      });
    db.prepare('INSERT INTO call_hours VALUES (?, ?, ?)').run(T0, rows.filter((r) => r.kind === 'call-action').length, 1);
    db.prepare('INSERT INTO rule_hours VALUES (?, ?, ?, ?)').run(T0, 'sg-support', rows.length - 1, T0 + rows.length);
  })();
  db.pragma('user_version = 2');
  db.close();
}

describe('decision log schema v3: migration', () => {
  it('migrates a v2 file at start: every row kept and found by every query, duplicates still refused', () => {
    const file = tempFile();
    const rows: CallRecord[] = [action(1, { decision: { outcome: 'fallback', reason: 'no-match', detail: 'no rule for +6561234567' }, ruleId: 'fallback' })];
    for (let n = 2; n <= BUCKET + 500; n++) rows.push(action(n));
    rows.push(status('s-1', 'st-1', T0 + 9999));
    writeV2File(file, rows);

    const store = open(file);
    expect(store.integrityCheck()).toBe('ok');
    expect(rowCount(file)).toBe(rows.length);
    const db = new Database(file, { readonly: true });
    cleanups.push(() => void db.close());
    expect(db.pragma('user_version', { simple: true })).toBe(3);
    const indexes = db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'call_log' ORDER BY name").pluck().all();
    expect(indexes).toEqual(['call_log_call_h', 'call_log_dedupe_h', 'call_log_destination_h', 'call_log_session_h', 'call_log_source_h']);

    expect(store.session('s-1')).toEqual([
      { ...rows[0], at: T0 + 1 },
      { ...rows.at(-1), callId: null },
    ]);
    expect(store.ruleForSession('s-1')).toBe('fallback');
    expect(store.recent({ limit: 1, search: `c-${BUCKET + 500}` }).map((r) => r.sessionId)).toEqual([`s-${BUCKET + 500}`]);
    expect(store.recent({ limit: 3, search: '+6591110002' }).map((r) => r.sessionId)).toEqual(
      rows
        .filter((r) => r.source === '+6591110002')
        .slice(-3)
        .reverse()
        .map((r) => r.sessionId),
    );
    expect(store.recent({ limit: 5000, search: '+6561234567' })).toHaveLength(BUCKET + 500);
    expect(store.hourly(T0)).toEqual([{ hour: T0, calls: BUCKET + 500, fallbacks: 1 }]);
    expect(store.ruleHits(T0)).toEqual([{ ruleId: 'sg-support', hits: rows.length - 1, lastAt: T0 + rows.length }]);

    // A repeat of a migrated delivery is still one row; new records are found alongside the old.
    expect(store.write([status('s-1', 'st-1', T0 + 10_000), status('s-1', 'st-2', T0 + 10_001)])).toEqual({ written: 1, duplicates: 1, failed: 0 });
    expect(store.session('s-1').map((r) => r.dedupeKey)).toEqual(['e-1', 'st-1', 'st-2']);
  });

  it('migrates through the real writer thread and answers the read connection on the main thread', async () => {
    const file = tempFile();
    writeV2File(file, [action(1), status('s-1', 'st-1', T0 + 5)]);
    const recorder = openCallLog({ callLog: file, callLogRetentionDays: 36500, callLogMaxRows: 1_000_000, callLogMaxBytes: 2 ** 30 }, new Metrics(), () => {})!;
    cleanups.push(() => recorder.close());
    await recorder.ready();
    expect(recorder.state()).toBe('ok');
    expect((await recorder.session('s-1'))?.map((r) => r.kind)).toEqual(['call-action', 'call-status']);
  });

  it('refuses a file from a newer router, leaves it untouched, and keeps answering calls with the log off', async () => {
    const file = tempFile();
    writeV2File(file, [action(1)]);
    const db = new Database(file);
    db.pragma('journal_mode = DELETE');
    db.pragma('user_version = 4');
    db.close();
    const before = readFileSync(file);

    expect(() => new SqliteCallStore(file)).toThrow(/written by a newer version of the router \(schema v4; this one reads up to v3\).*point CALL_LOG at another file/);
    expect(readFileSync(file).equals(before)).toBe(true);

    const log: Record<string, unknown>[] = [];
    const recorder = openCallLog({ callLog: file, callLogRetentionDays: 30, callLogMaxRows: 1_000_000, callLogMaxBytes: 2 ** 30 }, new Metrics(), (e) => void log.push(e), { retryOpenMs: 60_000 })!;
    cleanups.push(() => recorder.close());
    await recorder.ready();
    expect(recorder.state()).toBe('off');
    expect(log.find((l) => l.msg === 'call-log-unavailable')).toMatchObject({ level: 'error', error: expect.stringContaining(`the decision log ${file} was written by a newer version`) });
    expect(readFileSync(file).equals(before)).toBe(true);
  });
});

import { hash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { Metrics } from '../src/metrics/metrics.js';
import { openPool } from '../src/postgres/open-pool.js';
import type { CallRecorder } from '../src/store/call-recorder.js';
import type { CallRecord } from '../src/store/call-store.js';
import { openCallLog } from '../src/store/open-call-log.js';
import { PostgresCallStore, RETENTION_LOCK } from '../src/store/postgres-call-store.js';
import { connectPostgres } from '../src/store/postgres-call-log.js';
import { bodyKey } from '../src/store/replay-cache.js';
import { PostgresSharedEvents } from '../src/store/shared-events.js';
import { startCluster } from './helpers/postgres-cluster.js';
import { usePostgres } from './helpers/postgres.js';

const postgres = usePostgres();
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const CONFIG = { callLogRetentionDays: 30, callLogMaxRows: 1_000_000, callLogMaxBytes: 1024 ** 3 };

async function pool(url: string): Promise<pg.Pool> {
  const p = openPool({ url, max: 4, log: () => {} });
  cleanups.push(() => p.end());
  return p;
}

/** A decision log on each engine, as start-server opens it; `url` shares one PostgreSQL database between logs (two routers). */
const engines = {
  sqlite: async () => {
    const dir = mkdtempSync(join(tmpdir(), 'call-log-engines-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    return open(join(dir, 'calls.sqlite'));
  },
  postgres: async (url?: string) => {
    const database = url ?? (await postgres.database());
    return open('unused-with-database', { pool: await pool(database), url: database });
  },
};

function open(callLog: string, database?: { pool: pg.Pool; url: string }): { recorder: CallRecorder; metrics: Metrics } {
  const metrics = new Metrics();
  const recorder = openCallLog({ callLog, ...CONFIG }, metrics, () => {}, {}, database)!;
  // Closed before the pool it writes to (cleanups run last-in first).
  cleanups.push(() => recorder.close());
  return { recorder, metrics };
}

const HOUR = 3_600_000;
const T0 = Math.floor(Date.now() / HOUR) * HOUR - 2 * HOUR;

function action(n: number, extra: Partial<CallRecord> = {}): CallRecord {
  return {
    kind: 'call-action',
    sessionId: `s-${n}`,
    callId: `c-${n}`,
    dedupeKey: `e-${n}`,
    ruleId: n === 2 ? 'fallback' : 'sg-support',
    rulesVersion: 'v1',
    status: null,
    at: T0 + n * 1000,
    eventText: `{"payload":{"eventId":"e-${n}"}}`,
    responseText: '{"callflow":[]}',
    decision: n === 2 ? { outcome: 'fallback', reason: 'no-match', detail: 'no rule matched' } : { outcome: 'matched' },
    source: n === 2 ? '+6591110001' : '+6581234567',
    destination: '+6568332048',
    ...extra,
  };
}

function status(sessionId: string, eventId: string, at = T0 + 5000): CallRecord {
  return { kind: 'call-status', sessionId, callId: 'c-1', dedupeKey: eventId, ruleId: null, rulesVersion: null, status: 'CALL_CONNECTED', at, eventText: '{"payload":{}}' };
}

describe.each(Object.keys(engines) as (keyof typeof engines)[])('the decision log contract on %s', (engine) => {
  it('reads back what it stored: a session oldest first, recent newest first, search by session, call or number, counts per hour and rule', async () => {
    const { recorder } = await engines[engine]();
    await recorder.ready();
    expect(recorder.state()).toBe('ok');
    for (const n of [1, 2, 3]) recorder.record(action(n));
    recorder.record(status('s-1', 'st-1'));
    await recorder.flush();

    expect((await recorder.session('s-1')).map((r) => r.kind)).toEqual(['call-action', 'call-status']);
    expect(await recorder.session('s-1')).toEqual([action(1), status('s-1', 'st-1')]);
    expect(await recorder.session('s-1', 1)).toEqual([action(1)]);
    expect((await recorder.recent({ limit: 2 })).map((r) => r.dedupeKey)).toEqual(['st-1', 'e-3']);
    expect((await recorder.recent({ limit: 10, search: '+6581234567' })).map((r) => r.sessionId)).toEqual(['s-3', 's-1']);
    expect((await recorder.recent({ limit: 10, search: 'c-2' })).map((r) => r.sessionId)).toEqual(['s-2']);
    expect((await recorder.recent({ limit: 10, search: '+6568332048' })).map((r) => r.sessionId)).toEqual(['s-3', 's-2', 's-1']);
    expect(await recorder.recent({ limit: 10, search: 'nobody' })).toEqual([]);
    expect(await recorder.hourly(T0)).toEqual([{ hour: T0, calls: 3, fallbacks: 1 }]);
    const hits = (await recorder.ruleHits(T0))!.sort((a, b) => a.ruleId.localeCompare(b.ruleId));
    expect(hits).toEqual([
      { ruleId: 'fallback', hits: 1, lastAt: T0 + 2000 },
      { ruleId: 'sg-support', hits: 2, lastAt: T0 + 3000 },
    ]);
    expect(await recorder.ruleForSession('s-2')).toBe('fallback');
    expect(await recorder.ruleForSession('s-9')).toBeUndefined();
    // A story cut at its first records still tells the outcome: the summary, queued or stored.
    expect(await recorder.sessionSummary('s-1')).toBeUndefined();
    const summary = { ...status('s-1', 'sum-1'), kind: 'session-summary' as const, callId: null, status: 'completed' };
    recorder.record(summary);
    expect(await recorder.sessionSummary('s-1')).toEqual(summary); // still queued
    await recorder.flush();
    expect(await recorder.sessionSummary('s-1')).toEqual(summary); // stored
  });

  it('stores and counts a repeated delivery once, in one batch or in two', async () => {
    const { recorder } = await engines[engine]();
    await recorder.ready();
    recorder.record(action(1));
    recorder.record(action(1));
    await recorder.flush();
    recorder.record(action(1, { at: T0 + 9000 }));
    await recorder.flush();
    expect(await recorder.session('s-1')).toHaveLength(1);
    expect(await recorder.hourly(T0)).toEqual([{ hour: T0, calls: 1, fallbacks: 0 }]);
  });

  it('shows records still waiting to be written, once each', async () => {
    const { recorder } = await engines[engine]();
    await recorder.ready();
    recorder.record(action(4));
    expect((await recorder.session('s-4')).map((r) => r.dedupeKey)).toEqual(['e-4']);
    expect(recorder.health()).toMatchObject({ state: 'ok', waitingRecords: 1 });
    await recorder.flush();
    expect((await recorder.session('s-4')).map((r) => r.dedupeKey)).toEqual(['e-4']);
    expect(recorder.health()).toEqual({ state: 'ok', waitingRecords: 0 });
  });
});

describe('the decision log shared by two routers on PostgreSQL', () => {
  it('each router reads what the other wrote, and the same event from both is stored and counted once', async () => {
    const url = await postgres.database();
    const a = (await engines.postgres(url)).recorder;
    const b = (await engines.postgres(url)).recorder;
    await Promise.all([a.ready(), b.ready()]);
    a.record(action(1));
    b.record(action(1));
    b.record(status('s-1', 'st-1'));
    a.record(status('s-1', 'st-1'));
    await Promise.all([a.flush(), b.flush()]);
    for (const r of [a, b]) {
      expect((await r.session('s-1')).map((x) => x.kind)).toEqual(['call-action', 'call-status']);
      expect(await r.hourly(T0)).toEqual([{ hour: T0, calls: 1, fallbacks: 0 }]);
    }
  });

  it('keeps NUL characters from refusing a batch: the record is stored with U+FFFD in their place', async () => {
    const { recorder } = await engines.postgres();
    await recorder.ready();
    recorder.record(action(5, { eventText: '{"payload":"a\u0000b"}' }));
    await recorder.flush();
    expect((await recorder.session('s-5'))[0]?.eventText).toBe('{"payload":"a\uFFFDb"}');
  });

  it('prunes by age and row count on one router at a time: while another holds the lock, it skips the round', async () => {
    const url = await postgres.database();
    const p = await pool(url);
    const connection = await connectPostgres(p, { maxAgeMs: 60_000, maxRows: 2, maxBytes: 0 }, { log: () => {} });
    cleanups.push(() => connection.writer.close());
    const now = Date.now();
    await connection.writer.write([action(1, { at: now - 3_600_000 }), action(2, { at: now - 2000 }), action(3, { at: now - 1000 }), action(4, { at: now })]);
    const store = new PostgresCallStore(p);
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    cleanups.push(() => holder.end());
    await holder.query('SELECT pg_advisory_lock($1)', [RETENTION_LOCK]);
    expect(await store.prune({ maxAgeMs: 60_000, maxRows: 2 }, now, { answersMs: 60_000, seenMs: 60_000 })).toBeUndefined();
    expect((await store.recent({ limit: 10 })).map((r) => r.sessionId)).toEqual(['s-4', 's-3', 's-2', 's-1']);
    await holder.query('SELECT pg_advisory_unlock($1)', [RETENTION_LOCK]);
    // s-1 is too old; of the rest, the newest two are kept.
    expect(await store.prune({ maxAgeMs: 60_000, maxRows: 2 }, now, { answersMs: 60_000, seenMs: 60_000 })).toBe(2);
    expect((await store.recent({ limit: 10 })).map((r) => r.sessionId)).toEqual(['s-4', 's-3']);
  });

  it('shares first answers and seen events: the first claim wins, every later one gets exactly its answer', async () => {
    const url = await postgres.database();
    await connectPostgres(await pool(url), { maxAgeMs: 1e9, maxRows: 1e9, maxBytes: 0 }, { log: () => {} }).then((c) => cleanups.push(() => c.writer.close()));
    const a = new PostgresSharedEvents(await pool(url));
    const b = new PostgresSharedEvents(await pool(url));
    cleanups.push(
      () => a.close(),
      () => b.close(),
    );
    const event = '{"payload":{"eventId":"e-1"}}';
    expect(await a.claimAnswer('e-1', event, '{"answer":"A"}')).toEqual({ text: '{"answer":"A"}', first: true });
    expect(await b.claimAnswer('e-1', event, '{"answer":"B"}')).toEqual({ text: '{"answer":"A"}', first: false });
    // The same eventId with other data is another event: decided afresh.
    expect(await b.claimAnswer('e-1', '{"payload":{"eventId":"e-1","other":1}}', '{"answer":"B"}')).toEqual({ text: '{"answer":"B"}', first: true });
    // The replay cache's key of the event stands for the event: a router that passes it and one that hashes the text claim the same row.
    const keyed = '{"payload":{"eventId":"e-2"}}';
    expect(await a.claimAnswer('e-2', keyed, '{"answer":"A"}', bodyKey(keyed))).toEqual({ text: '{"answer":"A"}', first: true });
    expect(await b.claimAnswer('e-2', keyed, '{"answer":"B"}')).toEqual({ text: '{"answer":"A"}', first: false });
    // Stored as routers before this one wrote it (SHA-256 of the text, base64url), so both versions meet on one row during an upgrade.
    const stored = await (await pool(url)).query<{ event_hash: string }>("SELECT event_hash FROM call_answers WHERE event_id = 'e-2'");
    expect(stored.rows).toEqual([{ event_hash: hash('sha256', keyed, 'base64url') }]);
    // Racing claims of one event from both routers: one wins, every other gets exactly the winner's answer.
    const raced = '{"payload":{"eventId":"e-3"}}';
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).claimAnswer('e-3', raced, `{"answer":${i}}`, i % 3 ? bodyKey(raced) : undefined)));
    const winners = answers.filter((x) => x.first);
    expect(winners).toHaveLength(1);
    expect(new Set(answers.map((x) => x.text))).toEqual(new Set([winners[0]!.text]));
    const claims = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).claimEvent('status:st-1')));
    expect(claims.filter(Boolean)).toHaveLength(1);
  });

  it('shuts down while PostgreSQL is down: tries once more, logs what it could not write, and does not hang', async () => {
    const cluster = await startCluster();
    cleanups.push(() => cluster.stop());
    const p = openPool({ url: cluster.url, max: 2, log: () => {} });
    cleanups.push(() => p.end());
    const log: Record<string, unknown>[] = [];
    const recorder = openCallLog({ callLog: 'unused', ...CONFIG }, new Metrics(), (e) => void log.push(e), {}, { pool: p, url: cluster.url })!;
    await recorder.ready();
    recorder.record(action(1));
    await recorder.flush();
    cluster.halt();
    recorder.record(action(2));
    void recorder.flush();
    for (let i = 0; i < 100 && recorder.health().state === 'ok'; i++) await new Promise((r) => setTimeout(r, 50));
    expect(recorder.health()).toMatchObject({ state: 'degraded', waitingRecords: 1 });
    await recorder.close();
    expect(log.filter((e) => e.msg === 'call-log-write-failed')).toEqual([expect.objectContaining({ records: 1, error: expect.stringMatching(/did not take the last records before shutdown/) })]);
  }, 60_000);
});

import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../src/http/app.js';
import { Metrics } from '../src/metrics/metrics.js';
import type { CallRecorder } from '../src/store/call-recorder.js';
import { type CallRecord, MAX_EVENT_TEXT, STORY_RECORDS } from '../src/store/call-store.js';
import { openCallLog } from '../src/store/open-call-log.js';
import { SqliteCallStore } from '../src/store/sqlite-call-store.js';
import { ADMIN, example, metric, post, sampleRules } from './helpers/webhook-app.js';

const GiB = 1024 * 1024 * 1024;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'call-log-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The real decision log on a real file (writer thread and read connection), closed after the test. */
function fileLog(file: string, config: Partial<{ callLogMaxBytes: number; callLogMaxRows: number }> = {}, retryOpenMs = 10_000) {
  const metrics = new Metrics();
  const log: Record<string, unknown>[] = [];
  const recorder = openCallLog({ callLog: file, callLogRetentionDays: 30, callLogMaxRows: 1_000_000, callLogMaxBytes: GiB, ...config }, metrics, (e) => void log.push(e), { retryOpenMs })!;
  cleanups.push(() => recorder.close());
  return { recorder, metrics, log };
}

function status(sessionId: string, eventId: string, extra: Partial<CallRecord> = {}): CallRecord {
  return { kind: 'call-status', sessionId, callId: 'c-1', dedupeKey: eventId, ruleId: null, rulesVersion: null, status: 'CALL_CONNECTED', at: Date.now(), eventText: '{"payload":{}}', ...extra };
}

async function appOn(recorder: CallRecorder, metrics: Metrics) {
  const rules = await sampleRules();
  return createApp({ rules, metrics, calls: recorder, adminToken: 'admin-secret' });
}

describe('the decision log in a file', () => {
  it('stores what the webhooks received and answered, text for text, and reads it back on the main thread', async () => {
    const file = join(tempDir(), 'data', 'calls.sqlite');
    const { recorder, metrics } = fileLog(file);
    await recorder.ready();
    expect(recorder.state()).toBe('ok');
    const app = await appOn(recorder, metrics);
    const body = JSON.stringify(example('call-action'), null, 2); // spacing kept as sent
    const res = await post(app, '/webhooks/call-action', body);
    const answered = await res.text();
    // Queued records are part of the story before they are written ...
    const sessionId = example('call-action').payload.sessionId as string;
    expect(await recorder.session(sessionId)).toHaveLength(1);
    await recorder.flush();

    const reader = new SqliteCallStore(file, { readonly: true });
    cleanups.push(() => reader.close());
    const [row] = reader.session(sessionId);
    expect(row!.eventText).toBe(body);
    expect(row!.responseText).toBe(answered);
    expect(row).toMatchObject({ kind: 'call-action', ruleId: 'sg-support', decision: { outcome: 'matched' }, source: '+65123456789' });
    // ... and stored once when both are there.
    expect(await recorder.session(sessionId)).toHaveLength(1);
  });

  it('finds recent records by session, call id or number, and counts call actions per hour', async () => {
    const { recorder } = fileLog(join(tempDir(), 'calls.sqlite'));
    await recorder.ready();
    const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 2 * 3_600_000;
    const action = (n: number, outcome: 'matched' | 'fallback', at: number): CallRecord => ({
      ...status(`s-${n}`, `e-${n}`, { kind: 'call-action', status: null, callId: `c-${n}`, ruleId: outcome === 'matched' ? 'r' : 'fallback', at }),
      decision: { outcome },
      source: `+659111000${n}`,
      destination: '+6561234567',
      responseText: '{}',
    });
    recorder.record(action(1, 'matched', hour + 1000));
    recorder.record(action(2, 'fallback', hour + 2000));
    recorder.record(action(3, 'matched', hour + 3_600_000 + 5));
    recorder.record(status('s-3', 'e-3s', { callId: 'c-3', at: hour + 3_600_000 + 10 }));
    await recorder.flush();

    expect((await recorder.recent({ limit: 2 })).map((r) => r.dedupeKey)).toEqual(['e-3s', 'e-3']);
    expect((await recorder.recent({ limit: 10, search: 's-2' })).map((r) => r.dedupeKey)).toEqual(['e-2']);
    expect((await recorder.recent({ limit: 10, search: 'c-1' })).map((r) => r.dedupeKey)).toEqual(['e-1']);
    expect((await recorder.recent({ limit: 10, search: '+6591110003' })).map((r) => r.dedupeKey)).toEqual(['e-3']);
    expect(await recorder.recent({ limit: 10, search: '+6561234567' })).toHaveLength(3);
    expect(await recorder.recent({ limit: 10, search: 'nobody' })).toEqual([]);
    expect(await recorder.hourly(hour)).toEqual([
      { hour, calls: 2, fallbacks: 1 },
      { hour: hour + 3_600_000, calls: 1, fallbacks: 0 },
    ]);
    expect(await recorder.hourly(hour + 3_600_000)).toHaveLength(1);
  });

  it('tells every record of a story at once, also those the writer thread holds to commit with the next batch', async () => {
    const file = join(tempDir(), 'calls.sqlite');
    const { recorder } = fileLog(file);
    await recorder.ready();
    // 100: most of them are handed to the writer thread (in batches of 32), which commits them a little later, together.
    for (let i = 0; i < 100; i++) recorder.record(status('held-session', `held-${i}`));
    const told = await recorder.session('held-session');
    expect(told.map((r) => r.dedupeKey)).toEqual(Array.from({ length: 100 }, (_, i) => `held-${i}`));
    expect(await recorder.recent({ limit: 500, search: 'held-session' })).toHaveLength(100);
    // And those handed over are in the file by then (all but the last few, still waiting on this thread): the read made the writer commit them.
    const reader = new SqliteCallStore(file, { readonly: true });
    cleanups.push(() => reader.close());
    expect(reader.session('held-session').length).toBeGreaterThan(50);
  });

  it('counts every call answered before a page asks, even a batch still on its way to the writer', async () => {
    const { recorder } = fileLog(join(tempDir(), 'calls.sqlite'));
    await recorder.ready();
    const at = Date.now();
    for (let n = 1; n <= 50; n++) {
      recorder.record({ ...status(`s-${n}`, `e-${n}`, { kind: 'call-action', status: null, ruleId: n % 2 ? 'odd' : 'even', at }), decision: { outcome: 'matched' }, responseText: '{}' });
    }
    void recorder.flush(); // the batch is now with the writer thread, not yet committed
    expect(await recorder.settle(10_000)).toBe(true);
    const hits = Object.fromEntries(((await recorder.ruleHits(at - 1000)) ?? []).map((h) => [h.ruleId, h.hits]));
    expect(hits).toEqual({ odd: 25, even: 25 });
    expect((await recorder.hourly(at - 3_600_000)).reduce((sum, h) => sum + h.calls, 0)).toBe(50);
  });

  it('keeps the rest of a batch when a record is odd, and answers a deeply nested event', async () => {
    const { recorder, metrics, log } = fileLog(join(tempDir(), 'calls.sqlite'));
    await recorder.ready();
    const app = await appOn(recorder, metrics);
    // Nested 2,000 levels deep inside eventData: well within 64 KiB.
    const event = example('call-action');
    const nested = `${'{"a":'.repeat(2000)}1${'}'.repeat(2000)}`;
    const body = JSON.stringify(event).replace('"eventId"', `"eventData":${nested},"eventId"`);
    const res = await post(app, '/webhooks/call-action', body);
    expect(res.status).toBeLessThan(500);

    for (let i = 0; i < 50; i++) recorder.record(status('batch', `ok-${i}`));
    // A record whose fields are not what the type says (as a bug elsewhere might hand over).
    recorder.record({ ...status('batch', 'odd-1'), callId: { nested: [1, 2] } as unknown as string, at: Number.NaN });
    recorder.record({ ...status('batch', 'odd-2'), eventText: undefined as unknown as string });
    recorder.record({ ...status('batch', 'odd-3'), eventText: 'x'.repeat(MAX_EVENT_TEXT * 3) });
    for (let i = 50; i < 100; i++) recorder.record(status('batch', `ok-${i}`));
    await recorder.flush();

    const keys = (await recorder.session('batch')).map((r) => r.dedupeKey);
    expect(keys.filter((k) => k!.startsWith('ok-'))).toHaveLength(100);
    // The odd ones are stored as best they can be (text for text), or counted; never the batch lost.
    expect(keys).toHaveLength(103);
    expect(metric(await metrics.text(), 'callrouter_call_log_errors_total')).toBe(0);
    expect(log.filter((l) => l.msg === 'call-log-write-failed')).toEqual([]);
  });

  it('tells the first records of a flooded session, oldest first, says it is cut, and the console page says so too', async () => {
    const { recorder, metrics } = fileLog(join(tempDir(), 'calls.sqlite'));
    await recorder.ready();
    const app = await createApp({ rules: await sampleRules(), metrics, calls: recorder, adminToken: 'admin-secret', consoleToken: 'console-secret' });
    const T = Date.UTC(2026, 11, 3, 9);
    for (let i = 0; i < STORY_RECORDS + 3; i++) recorder.record(status('flood', `st-${i}`, { at: T + i }));
    // 8x8's summary comes last, past the cut: the story still says how the session ended.
    recorder.record(status('flood', 'summary', { kind: 'session-summary', callId: null, status: 'completed', at: T + STORY_RECORDS + 10 }));
    for (let i = 0; i < STORY_RECORDS; i++) recorder.record(status('busy', `b-${i}`, { at: T + i }));
    await recorder.flush();
    const flood = (await (await app.request('/calls/flood', { headers: ADMIN })).json()) as any;
    expect(flood.timeline[0].at).toBe(new Date(T).toISOString());
    expect(flood.timeline.at(-2).at).toBe(new Date(T + STORY_RECORDS - 1).toISOString());
    expect(flood.truncated).toBe(true);
    expect(flood.outcome).toBe('completed');
    expect(flood.timeline).toHaveLength(STORY_RECORDS + 1);
    expect(flood.timeline.at(-1)).toMatchObject({ kind: 'session-summary', status: 'completed' });
    // Exactly as many as a story tells: the whole story, not cut.
    const busy = (await (await app.request('/calls/busy', { headers: ADMIN })).json()) as any;
    expect([busy.timeline.length, busy.truncated]).toEqual([STORY_RECORDS, false]);

    const bearer = { authorization: 'Bearer console-secret' };
    const page = await (await app.request('/console/calls/flood', { headers: bearer })).text();
    expect(page).toContain('Only the first 1,000 records of this session are shown');
    expect(page).toContain('completed');
    expect(await (await app.request('/console/calls/busy', { headers: bearer })).text()).not.toContain('Only the first');
  });

  it('cuts an event past the row cap, with a marker, and tells the story still', async () => {
    const { recorder, metrics } = fileLog(join(tempDir(), 'calls.sqlite'));
    await recorder.ready();
    const app = await appOn(recorder, metrics);
    const event = example('call-action');
    event.payload.eventData = { padding: 'p'.repeat(50 * 1024) };
    expect((await post(app, '/webhooks/call-action', event)).status).toBe(200);
    await recorder.flush();
    const [row] = await recorder.session(event.payload.sessionId);
    expect(row!.eventText.length).toBeLessThan(MAX_EVENT_TEXT + 100);
    expect(row!.eventText).toMatch(/…\[truncated: \d+ characters in all\]$/);
    const story = (await (await app.request(`/calls/${event.payload.sessionId}`, { headers: ADMIN })).json()) as any;
    expect(story.rule).toBe('sg-support');
    expect(story.timeline[0].eventText).toContain('truncated');
    expect(story.timeline[0].callflow.clientActionId).toBe('sg-support');
  });

  it('keeps the file under callLogMaxBytes by deleting the oldest rows', async () => {
    const file = join(tempDir(), 'calls.sqlite');
    const maxBytes = 2 * 1024 * 1024;
    const { recorder } = fileLog(file, { callLogMaxBytes: maxBytes });
    await recorder.ready();
    // 8 MiB of records, four times the cap, in batches as live traffic would come.
    for (let i = 0; i < 1024; i++) {
      recorder.record(status(`s-${i}`, `e-${i}`, { eventText: JSON.stringify({ payload: { i, padding: 'x'.repeat(8 * 1024) } }) }));
      if (i % 100 === 99) await recorder.flush();
    }
    await recorder.flush();
    const reader = new SqliteCallStore(file, { readonly: true });
    cleanups.push(() => reader.close());
    expect(reader.usedBytes()).toBeLessThanOrEqual(maxBytes);
    // Freed pages go back to the file system (incremental vacuum), so the file itself stays small.
    expect(statSync(file).size).toBeLessThanOrEqual(maxBytes * 1.5);
    expect(reader.session('s-1023')).toHaveLength(1);
    expect(reader.session('s-0')).toHaveLength(0);
  });

  it('answers /calls with 503 while the log cannot be opened, and opens it once the problem is fixed', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'data'), 'a file where the folder should be');
    const { recorder, metrics, log } = fileLog(join(dir, 'data', 'calls.sqlite'), {}, 100);
    await recorder.ready();
    expect(recorder.state()).toBe('off');
    const app = await appOn(recorder, metrics);
    expect((await post(app, '/webhooks/call-action', example('call-action'))).status).toBe(200);

    const res = await app.request('/calls/any-session', { headers: ADMIN });
    expect(res.status).toBe(503);
    const error = ((await res.json()) as any).error;
    expect(error.code).toBe('call-log-unavailable');
    expect(error.message).toMatch(/cannot be opened .*retried/);
    expect(log.some((l) => l.msg === 'call-log-unavailable')).toBe(true);

    rmSync(join(dir, 'data'));
    await expect.poll(() => recorder.state(), { timeout: 10_000 }).toBe('ok');
    // The call answered while the log was off was kept in memory and is written now.
    const sessionId = example('call-action').payload.sessionId as string;
    await recorder.flush();
    expect((await app.request(`/calls/${sessionId}`, { headers: ADMIN })).status).toBe(200);
  });

  it('moves a corrupt file aside and starts a new log', async () => {
    const dir = tempDir();
    const file = join(dir, 'calls.sqlite');
    writeFileSync(file, Buffer.alloc(8192, 7));
    const { recorder, log } = fileLog(file);
    await recorder.ready();
    expect(recorder.state()).toBe('ok');
    expect(readdirSync(dir).some((f) => f.startsWith('calls.sqlite.corrupt-'))).toBe(true);
    expect(log.find((l) => l.msg === 'call-log-corrupt')).toMatchObject({ level: 'error', file });
    recorder.record(status('after', 'e-1'));
    await recorder.flush();
    expect(await recorder.session('after')).toHaveLength(1);
  });

  it('reads a log written by the previous version (one JSON column)', async () => {
    const file = join(tempDir(), 'calls.sqlite');
    const old = new Database(file);
    old.exec(`CREATE TABLE call_log (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, kind TEXT NOT NULL, session_id TEXT NOT NULL, call_id TEXT,
      dedupe_key TEXT, rule_id TEXT, rules_version TEXT, status TEXT, data TEXT NOT NULL);
      CREATE INDEX call_log_session ON call_log (session_id, id);
      CREATE INDEX call_log_at ON call_log (at);
      CREATE UNIQUE INDEX call_log_dedupe ON call_log (kind, dedupe_key) WHERE dedupe_key IS NOT NULL;`);
    const data = { event: { eventId: 'e-1', source: '+6591110001', destination: '+6561234567' }, decision: { outcome: 'fallback', reason: 'no-match' }, callflow: { clientActionId: 'fallback' } };
    old.prepare('INSERT INTO call_log VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?)').run(Date.now(), 'call-action', 's-old', 'c-old', 'e-1', 'fallback', 'v1', null, JSON.stringify(data));
    old.close();

    const { recorder } = fileLog(file);
    await recorder.ready();
    const [row] = await recorder.session('s-old');
    expect(row).toMatchObject({ ruleId: 'fallback', decision: { outcome: 'fallback', reason: 'no-match' }, source: '+6591110001', destination: '+6561234567' });
    expect(JSON.parse(row!.eventText)).toEqual({ payload: data.event });
    expect(JSON.parse(row!.responseText!)).toEqual(data.callflow);
    expect(await recorder.hourly(0)).toEqual([expect.objectContaining({ calls: 1, fallbacks: 1 })]);
  });
});

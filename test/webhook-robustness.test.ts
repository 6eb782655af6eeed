import { describe, expect, it } from 'vitest';
import { Metrics } from '../src/metrics/metrics.js';
import { connectInline } from '../src/store/call-log-writer.js';
import { CallRecorder } from '../src/store/call-recorder.js';
import type { CallRecord } from '../src/store/call-store.js';
import { SqliteCallStore } from '../src/store/sqlite-call-store.js';
import { ADMIN, example, metric, post, testServer } from './helpers/webhook-app.js';

function brokenStore(): SqliteCallStore {
  const store = new SqliteCallStore(':memory:');
  store.close(); // every later read and write throws, as with a deleted file or a full disk
  return store;
}

function record(sessionId: string, at: number, dedupeKey: string | null = null): CallRecord {
  return { kind: 'call-status', sessionId, callId: 'c', dedupeKey, ruleId: null, rulesVersion: null, status: 'CALL_CONNECTED', at, eventText: '{}' };
}

describe('when the decision log is broken', () => {
  it('still answers every webhook, and counts and logs the lost records', async () => {
    const { app, recorder, metrics, log } = await testServer({ store: brokenStore() });
    const action = await post(app, '/webhooks/call-action', example('call-action'));
    expect(action.status).toBe(200);
    expect(((await action.json()) as { clientActionId: string }).clientActionId).toBe('sg-support');
    expect((await post(app, '/webhooks/call-status', example('call-status'))).status).toBe(200);
    expect((await post(app, '/webhooks/session-summary', example('session-summary'))).status).toBe(200);

    await recorder.flush();
    const text = await metrics.text();
    expect(metric(text, 'callrouter_call_log_errors_total')).toBeGreaterThanOrEqual(3);
    expect(log.some((l) => l.msg === 'call-log-write-failed')).toBe(true);
    // The session's outcome still counts under its rule: the rule is remembered in memory too.
    expect(metric(text, 'callrouter_session_outcomes_total{rule="sg-support",outcome="COMPLETED"}')).toBe(1);
  });

  it('answers /calls with 503 and the JSON error shape', async () => {
    const { app } = await testServer({ store: brokenStore() });
    const res = await app.request('/calls/any-session', { headers: ADMIN });
    expect(res.status).toBe(503);
    expect(((await res.json()) as any).error.code).toBe('call-log-unavailable');
  });
});

describe('the call-action deadline', () => {
  it('answers the fallback callflow when the event does not arrive in time', async () => {
    const { app, metrics } = await testServer({ deadlineMs: 50 });
    // A sender that stalls half-way through the body.
    const body = new ReadableStream<Uint8Array>({ start: (c) => c.enqueue(new TextEncoder().encode('{"payload":')) });
    const res = await app.request('/webhooks/call-action', { method: 'POST', body, headers: { 'content-type': 'application/json' }, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      clientActionId: 'fallback',
      callflow: [{ action: 'say', params: { text: 'Sorry, we cannot connect your call right now. Please try again later.', voiceProfile: 'en-US-ZiraRUS' } }, { action: 'hangup' }],
    });
    expect(metric(await metrics.text(), 'callrouter_fallbacks_total{reason="deadline"}')).toBe(1);
    await body.cancel().catch(() => {});
  });
});

describe('decision log store', () => {
  it('keeps one copy of a duplicate delivery', () => {
    const store = new SqliteCallStore(':memory:');
    store.write([record('s', 1, 'event-1'), record('s', 2, 'event-1'), record('s', 3, null)]);
    expect(store.session('s').map((r) => r.at)).toEqual([1, 3]);
  });

  it.each([
    ['rows older than the retention age', { maxAgeMs: 1000, maxRows: 100, maxBytes: 1e9 }, [500, 1500, 2500], 3000, [2500]],
    ['rows beyond the row limit, oldest first', { maxAgeMs: 10_000, maxRows: 2, maxBytes: 1e9 }, [1000, 2000, 2500], 3000, [2000, 2500]],
    ['nothing when all limits are met', { maxAgeMs: 10_000, maxRows: 5, maxBytes: 1e9 }, [1000, 2000], 3000, [1000, 2000]],
  ])('retention deletes %s', (_what, retention, times, now, kept) => {
    const store = new SqliteCallStore(':memory:');
    store.write(times.map((at) => record('s', at)));
    store.prune(retention, now);
    expect(store.session('s').map((r) => r.at)).toEqual(kept);
  });

  it('drops and counts records when the queue is full (in bytes) instead of growing without end', async () => {
    const metrics = new Metrics();
    const store = new SqliteCallStore(':memory:');
    const log: Record<string, unknown>[] = [];
    // Each record below costs about 2 KiB queued: room for two.
    const recorder = new CallRecorder(() => connectInline(store), { metrics, log: (e) => void log.push(e), maxQueueBytes: 5000, flushMs: 60_000 });
    await recorder.ready();
    for (let i = 0; i < 5; i++) recorder.record({ ...record('s', i), eventText: 'x'.repeat(900) });
    expect(metric(await metrics.text(), 'callrouter_call_log_dropped_total')).toBe(3);
    expect(await recorder.session('s')).toHaveLength(2);
    expect(log.filter((l) => l.msg === 'call-log-dropped')).toHaveLength(1);
    await recorder.flush();
    expect(store.session('s').map((r) => r.at)).toEqual([0, 1]);
    await recorder.close();
  });
});

describe('body size limit', () => {
  const huge = JSON.stringify({ payload: { padding: 'x'.repeat(70 * 1024) } });
  it.each([
    ['/webhooks/call-action', { 'content-length': String(huge.length) }],
    ['/webhooks/call-action', {}],
    ['/webhooks/call-status', {}],
    ['/webhooks/session-summary', { 'content-length': String(huge.length) }],
  ])('refuses a body over 64 KiB at %s (%j) with 413', async (path, headers) => {
    const { app } = await testServer();
    const res = await post(app, path, huge, headers);
    expect(res.status).toBe(413);
    expect(((await res.json()) as any).error.code).toBe('body-too-large');
  });
});

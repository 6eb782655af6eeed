import { describe, expect, it } from 'vitest';
import { ADMIN, example, metric, post, testServer } from './helpers/webhook-app.js';

const SESSION = 'a1d6a5e2-efec-11e9-b999-efc71013a78f';

function status(callStatus: string, eventId: string, extra: Record<string, unknown> = {}) {
  const event = example('call-status');
  event.payload = { ...event.payload, callStatus, eventId, ...extra };
  return event;
}

describe('a whole Number Masking session through the HTTP server', () => {
  it('records the call action, the status events and the summary, and tells the story at /calls', async () => {
    const { app } = await testServer();
    const action = await post(app, '/webhooks/call-action', example('call-action'));
    expect(action.status).toBe(200);
    expect(((await action.json()) as { clientActionId: string }).clientActionId).toBe('sg-support');

    for (const [callStatus, eventId] of [
      ['CALL_INITIATED', 'e-1'],
      ['CALL_CONNECTED', 'e-2'],
      ['CALL_CONNECTED', 'e-2'], // 8x8 delivered it twice
      ['CALL_DISCONNECTED', 'e-3'],
    ] as const) {
      const res = await post(app, '/webhooks/call-status', status(callStatus, eventId));
      expect(res.status).toBe(200);
    }
    const summary = await post(app, '/webhooks/session-summary', example('session-summary'));
    expect(summary.status).toBe(200);
    expect(await summary.json()).toEqual({ received: true, duplicate: false });

    const res = await app.request(`/calls/${SESSION}`, { headers: ADMIN });
    expect(res.status).toBe(200);
    const story = (await res.json()) as any;
    expect(story).toMatchObject({ sessionId: SESSION, rule: 'sg-support', outcome: 'COMPLETED' });
    expect(story.rulesVersion).toMatch(/^[0-9a-f]{12}$/);
    expect(story.timeline.map((t: any) => [t.kind, t.status])).toEqual([
      ['call-action', null],
      ['call-status', 'CALL_INITIATED'],
      ['call-status', 'CALL_CONNECTED'],
      ['call-status', 'CALL_DISCONNECTED'],
      ['session-summary', 'COMPLETED'],
    ]);
    const first = story.timeline[0];
    expect(first.rule).toBe('sg-support');
    expect(first.decision).toEqual({ outcome: 'matched' });
    expect(first.event.source).toBe('+65123456789');
    expect(first.callflow.callflow.map((a: any) => a.action)).toEqual(['say', 'playFile', 'makeCall']);
    expect(story.calls).toEqual(['a1d6a5e3-efec-11e9-b999-7d370b5f90d1', 'b7c2e4f1-5a3d-4e98-9f21-0d6c8a4b2e15']);
  });

  it('counts requests, matches, statuses and the outcome by rule in /metrics', async () => {
    const { app, rules } = await testServer();
    await post(app, '/webhooks/call-action', example('call-action'));
    await post(app, '/webhooks/call-status', status('CALL_CONNECTED', 'e-1'));
    await post(app, '/webhooks/call-status', status('CALL_CONNECTED', 'e-1'));
    await post(app, '/webhooks/session-summary', example('session-summary'));
    await post(app, '/webhooks/session-summary', example('session-summary'));
    await post(app, '/webhooks/call-status', { payload: {} });

    const res = await app.request('/metrics', { headers: ADMIN });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(metric(text, 'callrouter_http_requests_total{endpoint="/webhooks/call-action",status="200"}')).toBe(1);
    expect(metric(text, 'callrouter_http_requests_total{endpoint="/webhooks/call-status",status="200"}')).toBe(2);
    expect(metric(text, 'callrouter_http_requests_total{endpoint="/webhooks/call-status",status="400"}')).toBe(1);
    expect(metric(text, 'callrouter_rule_matches_total{rule="sg-support"}')).toBe(1);
    expect(metric(text, 'callrouter_call_status_events_total{status="CALL_CONNECTED"}')).toBe(1);
    expect(metric(text, 'callrouter_session_outcomes_total{rule="sg-support",outcome="COMPLETED"}')).toBe(1);
    expect(metric(text, 'callrouter_call_action_duration_seconds_count')).toBe(1);
    expect(metric(text, 'callrouter_rules_count')).toBe(rules.current().rules.length);
    expect(text).toMatch(/callrouter_rules_version_info\{version="[0-9a-f]{12}"\} 1/);
    expect(metric(text, 'callrouter_fallbacks_total{reason="no-match"}')).toBe(0);
    expect(metric(text, 'callrouter_rules_reloads_total{result="ok"}')).toBe(0);
  });

  it.each([
    ['NO_ANSWER', 'NO_ANSWER'],
    ['NO ANSWER', 'NO_ANSWER'],
    ['CANCELLED', 'CANCELED'],
    ['canceled', 'CANCELED'],
    ['BUSY', 'BUSY'],
    ['SOMETHING_NEW', 'OTHER'],
  ])('counts a session summary with status %s as outcome %s', async (sent, counted) => {
    const { app, metrics } = await testServer();
    await post(app, '/webhooks/call-action', example('call-action'));
    const event = example('session-summary');
    event.payload.sessionStatus = sent;
    expect((await post(app, '/webhooks/session-summary', event)).status).toBe(200);
    expect(metric(await metrics.text(), `callrouter_session_outcomes_total{rule="sg-support",outcome="${counted}"}`)).toBe(1);
  });

  it('counts the outcome of a session answered by the fallback under "fallback"', async () => {
    const { app, metrics } = await testServer();
    const call = example('call-action');
    call.payload.sessionId = 'fallback-session';
    call.payload.destinationRefId = 'vn-unknown';
    call.payload.sourceCountryCode = 'MY';
    const answer = (await (await post(app, '/webhooks/call-action', call)).json()) as { clientActionId: string };
    // The sample rules end with a catch-all rule, so check what answered rather than assume.
    const summary = example('session-summary-error');
    summary.payload.sessionId = 'fallback-session';
    await post(app, '/webhooks/session-summary', summary);
    const rule = answer.clientActionId;
    expect(metric(await metrics.text(), `callrouter_session_outcomes_total{rule="${rule}",outcome="ERROR"}`)).toBe(1);
  });

  it('accepts the error summary with errorCode as a number or as a string', async () => {
    const { app } = await testServer();
    for (const errorCode of [-2004, '-2004']) {
      const event = example('session-summary-error');
      event.payload.sessionId = `s-${typeof errorCode}`;
      event.payload.errorDetails.errorCode = errorCode;
      expect((await post(app, '/webhooks/session-summary', event)).status).toBe(200);
    }
  });

  it.each([
    ['/webhooks/call-status', { ...example('call-status'), eventType: 'CALL_ACTION' }, 'eventType'],
    ['/webhooks/call-status', { payload: { ...example('call-status').payload, eventId: undefined } }, 'payload.eventId'],
    ['/webhooks/session-summary', { payload: { sessionId: 's' } }, 'payload.sessionStatus'],
    ['/webhooks/session-summary', { payload: { sessionId: 's', sessionStatus: 42 } }, 'payload.sessionStatus'],
  ])('answers 400 naming the field for a bad event at %s (%#)', async (path, body, field) => {
    const { app } = await testServer();
    const res = await post(app, path, body);
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error).toMatchObject({ code: 'invalid-event', field });
  });

  it('answers 404 for a session nobody recorded', async () => {
    const { app } = await testServer();
    const res = await app.request('/calls/no-such-session', { headers: ADMIN });
    expect(res.status).toBe(404);
    expect(((await res.json()) as any).error.code).toBe('unknown-session');
  });

  it('writes one log line per request with callId, sessionId, rule and latency', async () => {
    const { app, log } = await testServer();
    await post(app, '/webhooks/call-action', example('call-action'));
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({
      msg: 'request',
      path: '/webhooks/call-action',
      status: 200,
      callId: 'a1d6a5e3-efec-11e9-b999-7d370b5f90d1',
      sessionId: SESSION,
      rule: 'sg-support',
    });
    expect(typeof log[0]!.ms).toBe('number');
  });
});

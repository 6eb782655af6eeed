import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/http/app.js';
import { LiveRules } from '../src/reload/live-rules.js';
import { loadRules } from '../src/rules/load-rules.js';
import { buildOk, expectValidCallflow } from './helpers/rules.js';
import { sampleEventText } from './helpers/fixtures.js';
import type { CallflowResponse } from '../src/types/generated/callflow.js';

const callflowOf = async (res: Response) => (await res.json()) as CallflowResponse;

const JSON_TYPE = { 'content-type': 'application/json' };
const example = sampleEventText;
const seedEvent = JSON.parse(example('call-action.json')) as { payload: Record<string, unknown> };

let app: ReturnType<typeof createApp>;
let rules: LiveRules;
beforeAll(async () => {
  const loaded = await loadRules('rules');
  rules = new LiveRules(loaded.ruleSet!);
  app = createApp({ rules });
});

const post = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) => app.request('/webhooks/call-action', { method: 'POST', body, headers });

describe('POST /webhooks/call-action', () => {
  const withPayload = (patch: Record<string, unknown>) => JSON.stringify({ ...seedEvent, payload: { ...seedEvent.payload, ...patch } });
  it("answers 8x8's seed example event with a schema-valid callflow", async () => {
    const res = await post(JSON.stringify(seedEvent));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = await callflowOf(res);
    expectValidCallflow(body);
    expect(body.clientActionId).toBe('sg-support');
  });

  it('answers the IVR (DTMF) example with the menu rule', async () => {
    const res = await post(example('call-action-dtmf.json'));
    expect(res.status).toBe(200);
    const body = await callflowOf(res);
    expectValidCallflow(body);
    expect(body.clientActionId).toBe('menu-sales');
  });

  it('accepts a body that starts with a byte-order mark', async () => {
    const res = await post(`\uFEFF${JSON.stringify(seedEvent)}`);
    expect(res.status).toBe(200);
  });

  it.each([
    ['[1,2]', 'the body must be a JSON object: an 8x8 event with a payload'],
    [withPayload({ source: 6591234567 }), 'payload.source must be text'],
    [withPayload({ callId: '' }), 'payload.callId must not be empty'],
    [withPayload({ source: '9'.repeat(40) }), 'payload.source is too long (at most 32 characters)'],
    [JSON.stringify({ ...seedEvent, eventType: 'CALL_STATUS' }), 'eventType must be "CALL_ACTION"'],
  ])('explains a bad event in plain words: %s', async (body, message) => {
    const res = await post(body);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe(message);
  });

  it('accepts fields 8x8 may add later', async () => {
    const res = await post(JSON.stringify({ ...seedEvent, brandNew: 1, payload: { ...seedEvent.payload, alsoNew: { x: 1 } } }));
    expect(res.status).toBe(200);
  });

  const without = (field: string) => {
    const payload = { ...seedEvent.payload };
    delete payload[field];
    return JSON.stringify({ ...seedEvent, payload });
  };

  it.each([
    ['malformed JSON', '{"payload": ', 400, 'invalid-json', undefined],
    ['an empty body', '', 400, 'invalid-json', undefined],
    ['JSON that is not an object', '[1,2]', 400, 'invalid-event', '(body)'],
    ['no payload', JSON.stringify({ eventType: 'CALL_ACTION' }), 400, 'invalid-event', 'payload'],
    ['a missing source', without('source'), 400, 'invalid-event', 'payload.source'],
    ['a missing eventId', without('eventId'), 400, 'invalid-event', 'payload.eventId'],
    ['a source that is a number', withPayload({ source: 6591234567 }), 400, 'invalid-event', 'payload.source'],
    ['a sipCode that is text', withPayload({ sipCode: 'OK' }), 400, 'invalid-event', 'payload.sipCode'],
    ['a 10 KB source', withPayload({ source: '9'.repeat(10_000) }), 400, 'invalid-event', 'payload.source'],
    ['another event type', JSON.stringify({ ...seedEvent, eventType: 'CALL_STATUS' }), 400, 'invalid-event', 'eventType'],
    ['a body over 64 KiB', JSON.stringify({ ...seedEvent, pad: 'x'.repeat(70_000) }), 413, 'body-too-large', undefined],
  ])('answers %s with %i and says which field', async (_what, body, status, code, field) => {
    const res = await post(body);
    expect(res.status).toBe(status);
    const json = (await res.json()) as { error: { code: string; message: string; field?: string } };
    expect(json.error.code).toBe(code);
    expect(json.error.message).toEqual(expect.any(String));
    expect(json.error.field).toBe(field);
  });

  it('answers the same event delivered twice with the same callflow, even after the rules change', async () => {
    const event = withPayload({ eventId: 'dup-1', source: '+6598765432' });
    const first = await (await post(event)).json();
    const local = new LiveRules(rules.current());
    const localApp = createApp({ rules: local });
    const again = () => localApp.request('/webhooks/call-action', { method: 'POST', headers: JSON_TYPE, body: event });
    const before = await (await again()).json();
    local.apply({ ruleSet: buildOk({ 'a.yaml': 'rules:\n  - id: changed\n    then: [hangup]\n' }), diagnostics: [] });
    expect(await (await again()).json()).toEqual(before);
    expect(before).toEqual(first);
    // A new event after the change gets the new rules.
    const fresh = await callflowOf(await localApp.request('/webhooks/call-action', { method: 'POST', headers: JSON_TYPE, body: withPayload({ eventId: 'dup-2' }) }));
    expect(fresh.clientActionId).toBe('changed');
  });

  it('does not let a reused eventId with other call data change the real answer', async () => {
    const local = createApp({ rules: new LiveRules(rules.current()) });
    const send = (body: string) => local.request('/webhooks/call-action', { method: 'POST', headers: JSON_TYPE, body });
    await send(withPayload({ eventId: 'shared', destinationRefId: 'nowhere', sourceCountryCode: 'US' }));
    const real = await callflowOf(await send(withPayload({ eventId: 'shared' })));
    expect(real.clientActionId).toBe('sg-support');
  });
});

describe('other requests', () => {
  it.each([
    ['GET', '/webhooks/call-action', 405, 'method-not-allowed'],
    ['PUT', '/webhooks/call-action', 405, 'method-not-allowed'],
    ['POST', '/healthz', 405, 'method-not-allowed'],
    ['GET', '/nope', 404, 'not-found'],
    ['POST', '/webhooks/call-actions', 404, 'not-found'],
  ])('%s %s answers %i', async (method, path, status, code) => {
    const res = await app.request(path, { method });
    expect(res.status).toBe(status);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code);
  });

  it('GET /healthz shows the rule count and version', async () => {
    const res = await app.request('/healthz');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { version: string };
    expect(body).toMatchObject({ status: 'ok', rules: rules.current().rules.length, version: rules.current().version });
    expect(body.version).toMatch(/^[0-9a-f]{12}$/);
  });
});

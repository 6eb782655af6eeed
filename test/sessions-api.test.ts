import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SESSION_CALLS_SHOWN } from '../src/http/sessions-route.js';
import { SessionConflict, SessionStore } from '../src/sessions/session-store.js';
import { DRIVER, RIDER, RIDER2, routedTo, sessionsHarness, TOKEN, VN1, VN2, type SessionsHarness } from './helpers/sessions.js';

interface SessionBody {
  id: string;
  status: string;
  virtualNumber: string;
  parties: string[];
  expiresAt: string | null;
  ref: string | null;
  createdAt: string;
}
interface ErrorBody {
  error: { code: string; message: string; field?: string };
}

let h: SessionsHarness;
beforeEach(async () => {
  h = await sessionsHarness();
});
afterEach(async () => {
  vi.useRealTimers();
  await h?.close();
});

const create = async (body: Record<string, unknown>) => {
  const res = await h.api('POST', '/sessions', body);
  return { status: res.status, body: (await res.json()) as SessionBody & ErrorBody };
};

describe('a ride from create to expiry', () => {
  it('routes A→B and B→A, extends, expires, then the caller gets else; the calls are the session story', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-12-01T10:00:00Z'));
    const made = await create({ parties: [RIDER, '+65 9222 0001'], pool: 'rides', ttl: 600, ref: 'ride-4711', record: true });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ status: 'open', parties: [RIDER, DRIVER], ref: 'ride-4711', expiresAt: '2026-12-01T10:10:00.000Z', createdAt: '2026-12-01T10:00:00.000Z' });
    const vn = made.body.virtualNumber;
    expect([VN1, VN2]).toContain(vn);

    const aToB = await h.call(RIDER, vn);
    expect(aToB.callflow).toEqual([{ action: 'makeCall', params: { source: vn, destination: DRIVER, callRecording: true } }]);
    expect(routedTo(await h.call(DRIVER, vn))).toBe(RIDER);
    // Someone else calling the same number has no session on it.
    expect(routedTo(await h.call(RIDER2, vn))).toBe('else');

    const extended = await h.api('PATCH', `/sessions/${made.body.id}`, { ttl: 3600, record: false });
    expect(extended.status).toBe(200);
    expect(((await extended.json()) as SessionBody).expiresAt).toBe('2026-12-01T11:00:00.000Z');

    vi.setSystemTime(new Date('2026-12-01T10:30:00Z')); // past the first end, before the new one
    expect((await h.call(DRIVER, vn)).callflow).toEqual([{ action: 'makeCall', params: { source: vn, destination: RIDER, callRecording: false } }]);

    vi.setSystemTime(new Date('2026-12-01T11:00:01Z'));
    expect(routedTo(await h.call(RIDER, vn))).toBe('else');
    const after = (await (await h.api('GET', `/sessions/${made.body.id}`)).json()) as SessionBody;
    expect(after.status).toBe('expired');
    expect(await h.sessions.sweep()).toBe(1);

    const story = (await (await h.api('GET', `/sessions/${made.body.id}/calls`)).json()) as { calls: { caller: string; callee: string; rule: string }[] };
    expect(story.calls.map((c) => `${c.caller}->${c.callee} ${c.rule}`)).toEqual([`${RIDER}->${DRIVER} ride-masking`, `${DRIVER}->${RIDER} ride-masking`, `${DRIVER}->${RIDER} ride-masking`]);
    expect(story).toMatchObject({ truncated: false });
  });

  it('lists the first 1,000 calls of a session that had more, and says so', async () => {
    const made = await create({ parties: [RIDER, DRIVER], virtualNumber: VN1 });
    const T = Date.parse('2026-12-01T10:00:00Z');
    for (let i = 0; i < SESSION_CALLS_SHOWN + 5; i++) h.sessions.noteCall(made.body.id, { at: T + i * 1000, callId: `call-${i}`, caller: RIDER, callee: DRIVER, ruleId: 'ride-masking' });
    const story = (await (await h.api('GET', `/sessions/${made.body.id}/calls`)).json()) as { calls: { callId: string }[]; truncated: boolean };
    expect(story.calls).toHaveLength(SESSION_CALLS_SHOWN);
    expect([story.calls[0]!.callId, story.calls.at(-1)!.callId, story.truncated]).toEqual(['call-0', `call-${SESSION_CALLS_SHOWN - 1}`, true]);
  });

  it('idleTtl slides on each call; with no call for that long the session ends', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-12-01T10:00:00Z'));
    const made = await create({ parties: [RIDER, DRIVER], virtualNumber: VN2, idleTtl: 60 });
    expect(made.status).toBe(201);
    vi.setSystemTime(new Date('2026-12-01T10:00:50Z'));
    expect(routedTo(await h.call(RIDER, VN2))).toBe(DRIVER);
    vi.setSystemTime(new Date('2026-12-01T10:01:40Z')); // 100 s after creation, 50 s after the call
    expect(routedTo(await h.call(DRIVER, VN2))).toBe(RIDER);
    vi.setSystemTime(new Date('2026-12-01T10:02:41Z'));
    expect(routedTo(await h.call(RIDER, VN2))).toBe('else');
  });

  it('DELETE closes the session: calls get else, the number is free again for the party', async () => {
    const made = await create({ parties: [RIDER, DRIVER], pool: 'tiny' });
    expect((await h.api('DELETE', `/sessions/${made.body.id}`)).status).toBe(200);
    expect(routedTo(await h.call(RIDER, VN1))).toBe('else');
    expect(((await (await h.api('GET', `/sessions/${made.body.id}`)).json()) as SessionBody).status).toBe('closed');
    expect((await create({ parties: [RIDER, DRIVER], pool: 'tiny' })).status).toBe(201);
  });
});

describe('allocation from a pool', () => {
  it('two parallel creates with the same party on a one-number pool: exactly one 201 and one 409 naming party and pool', async () => {
    const [a, b] = await Promise.all([create({ parties: [RIDER, DRIVER], pool: 'tiny' }), create({ parties: [RIDER, '+6592220002'], pool: 'tiny' })]);
    expect([a.status, b.status].sort()).toEqual([201, 409]);
    const refused = a.status === 409 ? a.body : b.body;
    expect(refused.error.code).toBe('pool-exhausted');
    expect(refused.error.message).toContain(RIDER);
    expect(refused.error.message).toContain('"tiny"');
  });

  it('gives one party two different numbers for two open sessions, and spreads sessions over the pool', async () => {
    const first = await create({ parties: [RIDER, DRIVER], pool: 'rides' });
    const second = await create({ parties: [RIDER, '+6592220002'], pool: 'rides' });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(new Set([first.body.virtualNumber, second.body.virtualNumber])).toEqual(new Set([VN1, VN2]));
    expect(routedTo(await h.call(RIDER, first.body.virtualNumber))).toBe(DRIVER);
    expect(routedTo(await h.call(RIDER, second.body.virtualNumber))).toBe('+6592220002');
    const third = await create({ parties: [RIDER, '+6592220003'], pool: 'rides' });
    expect(third.status).toBe(409);
  });

  it('the store itself refuses a second open session of one party on one number (a constraint, not only code)', () => {
    const store = new SessionStore(`${h.dir}/raw.sqlite`);
    const base = { status: 'open' as const, virtualNumber: VN1, lastActivityAt: 1, createdAt: 1 };
    store.insert({ ...base, id: 'ses_01', parties: [RIDER, DRIVER] });
    expect(() => store.insert({ ...base, id: 'ses_02', parties: ['+6592220009', RIDER] })).toThrow(SessionConflict);
    store.update({ ...base, id: 'ses_01', parties: [RIDER, DRIVER], status: 'closed', closedAt: 2 });
    expect(() => store.insert({ ...base, id: 'ses_03', parties: ['+6592220009', RIDER] })).not.toThrow();
    store.close();
  });
});

describe('idempotent ref', () => {
  it('a retry with the same ref and body returns the same session; another body with that ref is a 409 on ref', async () => {
    const body = { parties: [RIDER, DRIVER], pool: 'rides', ref: 'ride-1', ttl: 900 };
    const [a, b] = await Promise.all([create(body), create(body)]);
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.body.id).toBe(a.body.id);
    const other = await create({ ...body, parties: [RIDER, '+6592220002'] });
    expect(other.status).toBe(409);
    expect(other.body.error).toMatchObject({ code: 'ref-in-use', field: 'ref' });
    const list = (await (await h.api('GET', '/sessions?ref=ride-1')).json()) as { sessions: SessionBody[] };
    expect(list.sessions.map((s) => s.id)).toEqual([a.body.id]);
  });
});

describe('restart', () => {
  it('keeps every acknowledged session: readable and routing after the file is opened again', async () => {
    const made = await Promise.all(Array.from({ length: 20 }, (_, i) => create({ parties: [`+659111${String(1000 + i)}`, DRIVER.replace(/\d{2}$/, String(10 + i))], virtualNumber: VN1, ttl: 3600 })));
    expect(made.map((m) => m.status)).toEqual(made.map(() => 201));
    await h.restart();
    for (const m of made) {
      const res = await h.api('GET', `/sessions/${m.body.id}`);
      expect(((await res.json()) as SessionBody).status).toBe('open');
      expect(routedTo(await h.call(m.body.parties[0]!, VN1))).toBe(m.body.parties[1]);
    }
  });
});

describe('list', () => {
  it('pages newest first with a cursor, and filters by party', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await create({ parties: [`+659111100${i}`, `+659222000${i}`], virtualNumber: VN1 })).body.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await h.api('GET', `/sessions?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      const page = (await res.json()) as { sessions: SessionBody[]; next: string | null };
      seen.push(...page.sessions.map((s) => s.id));
      cursor = page.next;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(new Set(seen)).toEqual(new Set(ids));
    const mine = (await (await h.api('GET', `/sessions?party=${encodeURIComponent('+6591111003')}`)).json()) as { sessions: SessionBody[] };
    expect(mine.sessions.map((s) => s.id)).toEqual([ids[3]]);
  });
});

describe('bad requests get one 4xx shape naming the field', () => {
  const ok = { parties: [RIDER, DRIVER], pool: 'rides' };
  it.each([
    ['no parties', { pool: 'rides' }, 400, 'parties'],
    ['one party', { parties: [RIDER], pool: 'rides' }, 400, 'parties'],
    ['a party that is not a number', { parties: [RIDER, 'driver-7'], pool: 'rides' }, 400, 'parties.1'],
    ['the same party twice', { parties: [RIDER, '+65 9111 0001'], pool: 'rides' }, 400, 'parties.1'],
    ['both virtualNumber and pool', { ...ok, virtualNumber: VN1 }, 400, 'pool'],
    ['neither virtualNumber nor pool', { parties: [RIDER, DRIVER] }, 400, 'virtualNumber'],
    ['a virtual number that cannot be dialled', { parties: [RIDER, DRIVER], virtualNumber: '+6512' }, 400, 'virtualNumber'],
    ['ttl and expiresAt', { ...ok, ttl: 60, expiresAt: '2099-01-01T00:00:00Z' }, 400, 'ttl'],
    ['expiresAt without a time zone', { ...ok, expiresAt: '2099-01-01 10:00' }, 400, 'expiresAt'],
    ['expiresAt in the past', { ...ok, expiresAt: '2001-01-01T00:00:00Z' }, 400, 'expiresAt'],
    ['ttl of zero', { ...ok, ttl: 0 }, 400, 'ttl'],
    ['record as text', { ...ok, record: 'yes' }, 400, 'record'],
    ['a pin with letters', { ...ok, pin: '12a4' }, 400, 'pin'],
    ['a misspelt field', { ...ok, tll: 60 }, 400, 'tll'],
    ['a pool that does not exist', { ...ok, pool: 'taxis' }, 409, 'pool'],
  ])('POST /sessions with %s: %i on %s', async (_name, body, status, field) => {
    const res = await h.api('POST', '/sessions', body);
    expect(res.status).toBe(status);
    const error = ((await res.json()) as ErrorBody).error;
    expect(error.field).toBe(field);
    expect(error.message.length).toBeGreaterThan(10);
  });

  it.each([
    ['no token', null, 401, 'unauthorized'],
    ['a wrong token', 'nope', 401, 'unauthorized'],
  ])('%s: %i', async (_name, token, status, code) => {
    const res = await h.api('GET', '/sessions', undefined, token);
    expect(res.status).toBe(status);
    expect(((await res.json()) as ErrorBody).error.code).toBe(code);
  });

  it.each([
    ['GET /sessions?status=done', 'GET', '/sessions?status=done', undefined, 400, 'status'],
    ['GET /sessions?limit=0', 'GET', '/sessions?limit=0', undefined, 400, 'limit'],
    ['GET /sessions?cursor=zzz', 'GET', '/sessions?cursor=zzz', undefined, 400, 'cursor'],
    ['GET /sessions?party=bob', 'GET', '/sessions?party=bob', undefined, 400, 'party'],
    ['GET /sessions?colour=red', 'GET', '/sessions?colour=red', undefined, 400, 'colour'],
    ['PATCH with an empty body', 'PATCH', '/sessions/ses_00', {}, 400, '(body)'],
    ['PATCH closing and extending at once', 'PATCH', '/sessions/ses_00', { status: 'closed', ttl: 5 }, 400, 'status'],
    ['POST with invalid JSON', 'POST', '/sessions', '{"parties": [', 400, undefined],
  ])('%s: %i on %s', async (_name, method, path, body, status, field) => {
    const res = await h.api(method, path, body);
    expect(res.status).toBe(status);
    expect(((await res.json()) as ErrorBody).error.field).toBe(field);
  });

  it('a session that does not exist is a 404; an ended one cannot be extended (409 on status)', async () => {
    expect((await h.api('GET', '/sessions/ses_0000')).status).toBe(404);
    expect((await h.api('PATCH', '/sessions/ses_0000', { ttl: 60 })).status).toBe(404);
    const made = await create(ok);
    await h.api('DELETE', `/sessions/${made.body.id}`);
    const res = await h.api('PATCH', `/sessions/${made.body.id}`, { ttl: 60 });
    expect(res.status).toBe(409);
    expect(((await res.json()) as ErrorBody).error.field).toBe('status');
  });

  it('without API_TOKEN the API answers 404, like /admin', async () => {
    const off = await sessionsHarness({ token: undefined });
    try {
      const res = await off.api('POST', '/sessions', ok, TOKEN);
      expect(res.status).toBe(404);
      expect(((await res.json()) as ErrorBody).error.code).toBe('api-disabled');
    } finally {
      await off.close();
    }
  });
});

describe('PIN lookup', () => {
  it('finds an open session by (virtual number, pin) and refuses the same pin twice on one number', async () => {
    const made = await create({ parties: [RIDER, DRIVER], virtualNumber: VN1, pin: '4711' });
    expect(h.sessions.lookup.byPin(VN1, '4711', Date.now())).toMatchObject({ sessionId: made.body.id, parties: [RIDER, DRIVER] });
    expect(h.sessions.lookup.byPin(VN2, '4711', Date.now())).toBeUndefined();
    const again = await create({ parties: [RIDER2, '+6592220002'], virtualNumber: VN1, pin: '4711' });
    expect(again.status).toBe(409);
    expect(again.body.error.field).toBe('pin');
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import type { Pool } from '../src/engine/pool.js';
import { openPool } from '../src/postgres/open-pool.js';
import { openSessions } from '../src/sessions/open-sessions.js';
import type { CreateInput, Sessions } from '../src/sessions/sessions-service.js';
import { usePostgres } from './helpers/postgres.js';

const postgres = usePostgres();
const VN1 = '+6568332049';
const RIDER = '+6591110001';
const DRIVER = '+6581234567';
const DRIVER2 = '+6581234568';
const VN2 = '+6568332050';
const POOLS = new Map<string, Pool>([
  ['one', { name: 'one', coolOffMs: 0, numbers: [{ number: VN1, country: 'SG' }], file: 'pools.yaml', line: 2 }],
  ['two', { name: 'two', coolOffMs: 0, numbers: [VN1, VN2].map((number) => ({ number, country: 'SG' })), file: 'pools.yaml', line: 5 }],
]);

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Where the sessions live: every store opened from one `place` is the same database, as two routers see it. */
interface Engine {
  name: string;
  place(): Promise<string>;
  open(place: string): Promise<Sessions>;
}

async function opened(place: string, database?: pg.Pool): Promise<Sessions> {
  const sessions = (await openSessions(
    { sessionsDb: place, sessionsRetentionDays: 30 },
    () => POOLS,
    () => {},
    database,
  ))!;
  cleanups.push(() => sessions.close());
  return sessions;
}

const sqlite: Engine = {
  name: 'SQLite',
  async place() {
    const dir = mkdtempSync(join(tmpdir(), 'sessions-engines-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    return join(dir, 'sessions.sqlite');
  },
  open: (place) => opened(place),
};

const postgresql: Engine = {
  name: 'PostgreSQL',
  place: () => postgres.database(),
  async open(url) {
    const pool = openPool({ url, max: 4, log: () => {} });
    const sessions = await opened('unused-with-postgres', pool);
    cleanups.push(() => pool.end());
    return sessions;
  },
};

const ride = (extra: Partial<CreateInput> = {}): CreateInput => ({ parties: [RIDER, DRIVER], virtualNumber: VN1, ...extra });
const statuses = (results: { ok: boolean; status?: number }[]) => results.map((r) => (r.ok ? 201 : r.status)).sort();

describe.each([sqlite, postgresql])('live sessions in $name', (engine) => {
  it('a created session is durable: a store opened afterwards routes it, and it reads back as it was created', async () => {
    const place = await engine.place();
    const a = await engine.open(place);
    const created = await a.create(ride({ ref: 'trip-1', record: true }), 'h1');
    expect(created.ok).toBe(true);
    const id = created.ok ? created.session.id : '';
    const b = await engine.open(place);
    expect(b.lookup.otherParty(RIDER, VN1, Date.now())).toEqual({ sessionId: id, peer: DRIVER, record: true });
    expect(await b.get(id)).toMatchObject({ id, status: 'open', virtualNumber: VN1, parties: [RIDER, DRIVER], ref: 'trip-1', record: true });
    expect((await b.list({ party: DRIVER, limit: 10 })).map((s) => s.id)).toEqual([id]);
  });

  it.each([
    ['a party with two open sessions on one number', ride(), ride({ parties: [RIDER, DRIVER2] }), 'party-busy'],
    ['two open sessions with one ref', ride({ ref: 'trip-9' }), ride({ parties: ['+6591110002', DRIVER2], ref: 'trip-9' }), 'ref-in-use'],
    ['two open sessions with one pin on one number', ride({ pin: '1234' }), ride({ parties: ['+6591110002', DRIVER2], pin: '1234' }), 'pin-in-use'],
  ])('the database refuses %s, also between two routers that have not heard of each other yet', async (_name, first, second, code) => {
    const place = await engine.place();
    // Both open before either writes: neither's memory knows the other's session.
    const [a, b] = [await engine.open(place), await engine.open(place)];
    expect((await a.create(first, 'h1')).ok).toBe(true);
    expect(await b.create(second, 'h2')).toMatchObject({ ok: false, status: 409, code });
  });

  it('parallel creates through two stores on a one-number pool for the same pair: exactly one is created', async () => {
    const place = await engine.place();
    const [a, b] = [await engine.open(place), await engine.open(place)];
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).create({ parties: [RIDER, DRIVER], pool: 'one' }, `h${i}`)));
    expect(statuses(results)).toEqual([201, ...Array(19).fill(409)]);
  });

  it('a retry of a create through the other router, before it has heard of the first, is recognised: same session, not a 409', async () => {
    const place = await engine.place();
    const [a, b] = [await engine.open(place), await engine.open(place)];
    const first = await a.create(ride({ ref: 'trip-7' }), 'h7');
    const retry = await b.create(ride({ ref: 'trip-7' }), 'h7');
    expect(first.ok && retry.ok && retry.replay && retry.session.id === first.session.id).toBe(true);
  });

  it('a pool gives another number when another router took the first one for this pair meanwhile', async () => {
    const place = await engine.place();
    const [a, b] = [await engine.open(place), await engine.open(place)];
    const one = await a.create({ parties: [RIDER, DRIVER], pool: 'two' }, 'h1');
    const other = await b.create({ parties: [RIDER, DRIVER], pool: 'two' }, 'h2');
    expect(one.ok && other.ok && [one.session.virtualNumber, other.session.virtualNumber].sort()).toEqual([VN1, VN2]);
  });

  it('a closed session frees the pair for a new one, and its calls stay readable', async () => {
    const place = await engine.place();
    const a = await engine.open(place);
    const first = await a.create(ride(), 'h1');
    if (!first.ok) throw new Error('not created');
    a.noteCall(first.session.id, { at: Date.now(), callId: 'call-1', caller: RIDER, callee: VN1, ruleId: 'masking' });
    expect(await a.update(first.session.id, { close: true })).toMatchObject({ ok: true, session: { status: 'closed' } });
    expect(a.lookup.otherParty(RIDER, VN1, Date.now())).toBeUndefined();
    expect((await a.create(ride(), 'h2')).ok).toBe(true);
    expect((await a.callsOf(first.session.id)).map((c) => c.callId)).toEqual(['call-1']);
    const b = await engine.open(place);
    expect(await b.get(first.session.id)).toMatchObject({ status: 'closed' });
  });

  it('an unknown session is a 404 and an ended one cannot be extended', async () => {
    const a = await engine.open(await engine.place());
    expect(await a.update('ses_000000000000000000000000', { record: true })).toMatchObject({ ok: false, status: 404 });
    const s = await a.create(ride(), 'h1');
    if (!s.ok) throw new Error('not created');
    await a.update(s.session.id, { close: true });
    expect(await a.update(s.session.id, { record: true })).toMatchObject({ ok: false, status: 409, code: 'session-ended' });
  });
});

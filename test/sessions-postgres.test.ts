import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import type { Pool } from '../src/engine/pool.js';
import { openPool } from '../src/postgres/open-pool.js';
import { PostgresEngine } from '../src/sessions/postgres-engine.js';
import { Sessions, type CreateInput } from '../src/sessions/sessions-service.js';
import { run } from '../src/cli/run.js';
import { createApp } from '../src/http/app.js';
import { LiveRules } from '../src/reload/live-rules.js';
import { loadRules } from '../src/rules/load-rules.js';
import { capture } from './helpers/capture.js';
import { MASKING_FOLDER, TOKEN, writeFolder } from './helpers/sessions.js';
import { usePostgres } from './helpers/postgres.js';
import { startCluster } from './helpers/postgres-cluster.js';

const postgres = usePostgres();
const VN1 = '+6568332049';
const RIDER = '+6591110001';
const DRIVER = '+6581234567';
const POOLS = new Map<string, Pool>();
const ride = (extra: Partial<CreateInput> = {}): CreateInput => ({ parties: [RIDER, DRIVER], virtualNumber: VN1, ...extra });

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** One router's sessions on `url`; catchUpEveryMs 0: it follows the others by notification alone. */
async function router(url: string, catchUpEveryMs = 0): Promise<Sessions> {
  const pool = openPool({ url, max: 4, log: () => {} });
  cleanups.push(() => pool.end());
  const engine = new PostgresEngine(pool, () => {});
  await engine.migrate();
  const sessions = new Sessions({ pools: () => POOLS, catchUpEveryMs, engine: { engine, snapshot: await engine.snapshot(undefined) } });
  cleanups.push(() => sessions.close());
  return sessions;
}

/** Polls until `check` holds; generous, so a loaded machine never fails it. */
async function eventually(check: () => boolean | Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`never happened: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const routes = (s: Sessions) => s.lookup.otherParty(RIDER, VN1, Date.now())?.peer;

describe('several routers on one PostgreSQL', () => {
  it('a session created through one router routes on the other by notification, and stops there once closed', async () => {
    const url = await postgres.database();
    const [a, b] = [await router(url), await router(url)];
    const created = await a.create(ride(), 'h1');
    if (!created.ok) throw new Error('not created');
    await eventually(() => routes(b) === DRIVER, 'router B routes the session created on A');
    await a.update(created.session.id, { close: true });
    await eventually(() => routes(b) === undefined, 'router B stops routing the session closed on A');
  });

  it('a notification missed while the listening connection was down is caught up when it comes back', async () => {
    const url = await postgres.database();
    const [a, b] = [await router(url), await router(url)];
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    cleanups.push(() => admin.end());
    await eventually(async () => (await admin.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'call-router-sessions-listen'")).rows[0].n === 2, 'both routers listen');
    // B's listening connection is cut; A writes before B is back.
    await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'call-router-sessions-listen'");
    expect((await a.create(ride(), 'h1')).ok).toBe(true);
    await eventually(() => routes(b) === DRIVER, 'router B routes the session written while it was not listening');
  });

  it('a router that extends a session another router has closed is told it ended; sweeping is done by one router at a time', async () => {
    const url = await postgres.database();
    const [a, b] = [await router(url), await router(url)];
    const s = await a.create(ride(), 'h1');
    if (!s.ok) throw new Error('not created');
    await eventually(() => routes(b) === DRIVER, 'B has the session');
    await a.update(s.session.id, { close: true });
    expect(await b.update(s.session.id, { record: true })).toMatchObject({ ok: false, status: 409, code: 'session-ended' });

    const short = await a.create(ride({ expiresAt: Date.now() + 200 }), 'h2');
    if (!short.ok) throw new Error('not created');
    await eventually(() => b.lookup.otherParty(RIDER, VN1, Date.now() - 1000) !== undefined || Date.now() > short.session.expiresAt!, 'B has it');
    let swept = [0, 0];
    await eventually(async () => {
      const got = [await a.sweep(), await b.sweep()];
      swept = [swept[0]! + got[0]!, swept[1]! + got[1]!];
      return swept[0]! + swept[1]! > 0;
    }, 'one router sweeps');
    expect(swept.sort()).toEqual([0, 1]);
    await eventually(async () => (await b.get(short.session.id))?.status === 'expired', 'B learns that it expired');
  });
});

describe('sessions import with DATABASE_URL', () => {
  it('loads the pairs into PostgreSQL, where a running router routes them; a second import adds nothing', async () => {
    const url = await postgres.database();
    const a = await router(url);
    const dir = mkdtempSync(join(tmpdir(), 'sessions-pg-import-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const csv = join(dir, 'pairs.csv');
    writeFileSync(csv, `virtualNumber,partyA,partyB\n${VN1},${RIDER},${DRIVER}\n`);
    const out = capture();
    expect(await run(['sessions', 'import', csv], out, capture(), { DATABASE_URL: url })).toBe(0);
    expect(out.text).toMatch(/^imported 1 sessions into postgres:\/\//);
    await eventually(() => routes(a) === DRIVER, 'the running router routes the imported pair');
    const again = capture();
    expect(await run(['sessions', 'import', csv], again, capture(), { DATABASE_URL: url })).toBe(0);
    expect(again.text).toContain('imported 0 sessions');
  });
});

describe('PostgreSQL stopped', () => {
  it('a write is refused with 503 and changes nothing, calls still route from memory, the store shows degraded; once back, the calls noted meanwhile are written', async () => {
    const cluster = await startCluster();
    cleanups.push(() => cluster.stop());
    const a = await router(cluster.url, 200);
    const s = await a.create(ride(), 'h1');
    if (!s.ok) throw new Error('not created');

    const rulesDir = mkdtempSync(join(tmpdir(), 'sessions-pg-down-'));
    cleanups.push(() => rmSync(rulesDir, { recursive: true, force: true }));
    writeFolder(rulesDir, MASKING_FOLDER);
    const app = createApp({ rules: new LiveRules((await loadRules(rulesDir)).ruleSet!), sessions: a, apiToken: TOKEN });

    cluster.halt();
    const res = await app.request('/sessions', {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ parties: ['+6591110003', '+6581234569'], virtualNumber: VN1 }),
    });
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: { code: 'sessions-store-unavailable' } });
    expect(((await (await app.request('/healthz')).json()) as { sessions: unknown }).sessions).toMatchObject({ state: 'degraded', reason: expect.stringContaining('cannot be reached') });
    const refused = await a.create(ride({ parties: ['+6591110002', '+6581234568'], ref: 'trip-2' }), 'h2');
    expect(refused).toMatchObject({ ok: false, status: 503, code: 'sessions-store-unavailable' });
    if (!refused.ok) expect(refused.message).toMatch(/cannot be reached .* nothing was changed; try again in a few seconds, and check that PostgreSQL is running and DATABASE_URL points at it/);
    expect(a.health()).toMatchObject({ state: 'degraded' });
    expect(routes(a)).toBe(DRIVER);
    expect(a.lookup.otherParty('+6591110002', VN1, Date.now())).toBeUndefined();
    for (let i = 0; i < 3; i++) a.noteCall(s.session.id, { at: Date.now(), callId: `call-${i}`, caller: RIDER, callee: VN1, ruleId: 'masking' });

    cluster.start();
    await eventually(() => a.health().state === 'ok', 'the store is back');
    await eventually(async () => (await a.callsOf(s.session.id).catch(() => [])).length === 3, 'the three calls noted while it was down are written');
    expect((await a.callsOf(s.session.id)).map((c) => c.callId)).toEqual(['call-0', 'call-1', 'call-2']);
    expect((await a.create(ride({ parties: ['+6591110002', '+6581234568'], ref: 'trip-2' }), 'h2')).ok).toBe(true);
  }, 120_000);
});

import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import type { Pool } from '../src/engine/pool.js';
import { openPool } from '../src/postgres/open-pool.js';
import { frontierOf } from '../src/sessions/postgres-catch-up.js';
import { PostgresEngine } from '../src/sessions/postgres-engine.js';
import { Sessions } from '../src/sessions/sessions-service.js';
import { usePostgres } from './helpers/postgres.js';

// Writers no longer take turns: a router must still see every write, whatever order they commit in.
const postgres = usePostgres();
const VN1 = '+6568332049';
const RIDER = '+6591110001';
const DRIVER = '+6581234567';
const OTHER_DRIVER = '+6581234568';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function engineOn(url: string): Promise<PostgresEngine> {
  const pool = openPool({ url, max: 4, log: () => {} });
  cleanups.push(() => pool.end());
  const engine = new PostgresEngine(pool, () => {});
  cleanups.push(() => engine.close());
  await engine.migrate();
  return engine;
}

/** A connection of its own, as another router's transaction would be. */
async function writer(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  cleanups.push(() => client.end());
  return client;
}

/** An open session and its party rows, written as any router writes them. */
async function insertSession(client: pg.Client, id: string, parties: [string, string]): Promise<void> {
  await client.query("INSERT INTO sessions (id, status, virtual_number, party_a, party_b, last_activity_at, created_at) VALUES ($1, 'open', $2, $3, $4, $5, $5)", [id, VN1, parties[0], parties[1], Date.now()]);
  await client.query('INSERT INTO session_parties (session_id, party, virtual_number) VALUES ($1, $2, $4), ($1, $3, $4)', [id, parties[0], parties[1], VN1]);
}

async function closeSession(client: pg.Client, id: string): Promise<void> {
  await client.query("UPDATE sessions SET status = 'closed', closed_at = $2 WHERE id = $1", [id, Date.now()]);
  await client.query('UPDATE session_parties SET open = false WHERE session_id = $1', [id]);
}

/** Reads every change after `seq` a page at a time, as the sessions service does; the ids and the cursor after them. */
async function readAll(engine: PostgresEngine, seq: number, limit = 100): Promise<{ ids: string[]; seq: number }> {
  const ids: string[] = [];
  for (;;) {
    const page = await engine.changesSince(seq, limit);
    for (const c of page) {
      ids.push(c.session.id);
      seq = c.seq;
    }
    if (page.length < limit) return { ids, seq };
  }
}

describe('catching up on PostgreSQL by transaction snapshots', () => {
  it('reads a snapshot as PostgreSQL writes it', () => {
    expect(frontierOf('100:104:100,102')).toEqual({ xmax: '104', xip: ['100', '102'] });
    expect(frontierOf('7:7:')).toEqual({ xmax: '7', xip: [] });
    expect(() => frontierOf('nonsense')).toThrow(/not a PostgreSQL snapshot/);
  });

  it('a write that began first and committed last is read once it commits, not skipped', async () => {
    const url = await postgres.database();
    const engine = await engineOn(url);
    let { seq } = await engine.snapshot(undefined);
    const [early, late] = [await writer(url), await writer(url)];
    await early.query('BEGIN');
    await insertSession(early, 'early', [RIDER, DRIVER]);
    await late.query('BEGIN');
    await insertSession(late, 'late', ['+6591110002', '+6581234569']);
    await late.query('COMMIT');

    const first = await readAll(engine, seq);
    expect(first.ids).toEqual(['late']);
    seq = first.seq;
    // Nothing new yet: `early` is still running.
    expect((await readAll(engine, seq)).ids).toEqual([]);

    await early.query('COMMIT');
    const second = await readAll(engine, seq);
    expect(second.ids).toEqual(['early']);
    // And once read, neither comes again.
    expect((await readAll(engine, second.seq)).ids).toEqual([]);
  });

  it('pages through many writes (a page smaller than one transaction) and misses none, also when a long write commits in between', async () => {
    const url = await postgres.database();
    const engine = await engineOn(url);
    const { seq } = await engine.snapshot(undefined);
    const [long, bulk] = [await writer(url), await writer(url)];
    await long.query('BEGIN');
    await insertSession(long, 'long', [RIDER, DRIVER]);
    await bulk.query('BEGIN');
    for (let i = 0; i < 7; i++) await insertSession(bulk, `bulk-${i}`, [`+659111${String(1000 + i)}`, `+658123${String(5000 + i)}`]);
    await bulk.query('COMMIT');

    // Pages of 3 through one transaction of 7; `long` commits while the pages are being read.
    const ids: string[] = [];
    let at = seq;
    for (let page = 0; ; page++) {
      if (page === 1) await long.query('COMMIT');
      const changes = await engine.changesSince(at, 3);
      for (const c of changes) {
        ids.push(c.session.id);
        at = c.seq;
      }
      if (changes.length < 3) break;
    }
    const rest = await readAll(engine, at, 3);
    expect(new Set([...ids, ...rest.ids])).toEqual(new Set(['long', ...Array.from({ length: 7 }, (_, i) => `bulk-${i}`)]));
  });

  it('a router follows a party moving to a new session whose transaction began before the old one was closed', async () => {
    const url = await postgres.database();
    const engine = await engineOn(url);
    const setup = await writer(url);
    await insertSession(setup, 'old', [RIDER, DRIVER]);
    const sessions = new Sessions({ pools: () => new Map<string, Pool>(), catchUpEveryMs: 0, engine: { engine, snapshot: await engine.snapshot(undefined) } });
    cleanups.push(() => sessions.close());
    expect(sessions.lookup.otherParty(RIDER, VN1, Date.now())?.peer).toBe(DRIVER);

    // The new session's transaction takes its transaction id first, waits, and commits after the close.
    const [opener, closer] = [await writer(url), await writer(url)];
    await opener.query('BEGIN');
    await opener.query('SELECT pg_current_xact_id()');
    await closer.query('BEGIN');
    await closeSession(closer, 'old');
    await closer.query('COMMIT');
    await insertSession(opener, 'new', [RIDER, OTHER_DRIVER]);
    await opener.query('COMMIT');

    await sessions.catchUp();
    expect(sessions.lookup.otherParty(RIDER, VN1, Date.now())?.peer).toBe(OTHER_DRIVER);
    expect(sessions.lookup.otherParty(DRIVER, VN1, Date.now())).toBeUndefined();
  });
});

describe('telling routers about commits (LISTEN/NOTIFY)', () => {
  /** Resolves once `check` holds, or fails after `ms`. */
  async function until(check: () => boolean, ms = 5000): Promise<void> {
    for (const started = Date.now(); !check(); ) {
      if (Date.now() - started > ms) throw new Error('not within 5 s');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  it("wakes a router for another router's commit, never for its own (the next catch-up reads those anyway)", async () => {
    const url = await postgres.database();
    const a = await engineOn(url);
    const b = await engineOn(url);
    const woken = { a: 0, b: 0 };
    a.watch(() => woken.a++);
    b.watch(() => woken.b++);
    // Each wakes once on its own, when it starts listening (whatever was written before).
    await until(() => woken.a === 1 && woken.b === 1);
    const session = (id: string, parties: [string, string]) => ({ id, status: 'open' as const, virtualNumber: VN1, parties, lastActivityAt: Date.now(), createdAt: Date.now() });
    // A create alone (the group-commit statement) and a batch with an update (a transaction).
    expect((await a.commit([[{ op: 'insert', session: session('s-a1', [RIDER, DRIVER]) }]])).results).toEqual([{ ok: true }]);
    const closed = { ...session('s-a1', [RIDER, DRIVER]), status: 'closed' as const, closedAt: Date.now() };
    expect((await a.commit([[{ op: 'update', session: closed }], [{ op: 'insert', session: session('s-a2', [RIDER, OTHER_DRIVER]) }]])).results).toEqual([{ ok: true }, { ok: true }]);
    await until(() => woken.b === 3);
    expect((await b.commit([[{ op: 'insert', session: session('s-b1', ['+6591110002', '+6581234569']) }]])).results).toEqual([{ ok: true }]);
    await until(() => woken.a === 2);
    // Time for any late notification to arrive: none does for a router's own commits.
    await new Promise((r) => setTimeout(r, 300));
    expect(woken).toEqual({ a: 2, b: 3 });
  });
});

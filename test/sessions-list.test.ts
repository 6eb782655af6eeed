import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate } from '../src/postgres/migrate.js';
import { openPool } from '../src/postgres/open-pool.js';
import { SESSIONS_MIGRATIONS } from '../src/sessions/postgres-schema.js';
import { type ListQuery, listSql, POSTGRES_LIST, SQLITE_LIST } from '../src/sessions/list-query.js';
import { openSessions } from '../src/sessions/open-sessions.js';
import type { Session } from '../src/sessions/session.js';
import { SessionStore } from '../src/sessions/session-store.js';
import { PostgresEngine } from '../src/sessions/postgres-engine.js';
import { Sessions } from '../src/sessions/sessions-service.js';
import { usePostgres } from './helpers/postgres.js';

// GET /sessions: every filter, alone and together, pages through exactly the sessions it names,
// newest first, on both engines; and each is answered from an index in the page's order, so a
// page never reads and sorts a whole history (a party with 100k sessions took 163 ms per page).

const postgres = usePostgres();
const VNS = ['+6568332049', '+6568332050', '+6568332051'];
const DRIVERS = ['+6581234561', '+6581234562', '+6581234563', '+6581234564'];
const riderOf = (i: number) => `+659111${String(1000 + i)}`;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Engine {
  name: string;
  open(): Promise<{
    sessions: Sessions;
    plan(sql: string, args: unknown[]): Promise<string>;
  }>;
}

const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'sessions-list-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
};

const sqlite: Engine = {
  name: 'SQLite',
  async open() {
    const path = join(tempDir(), 'sessions.sqlite');
    const sessions = (await openSessions(
      { sessionsDb: path, sessionsRetentionDays: 30 },
      () => undefined,
      () => {},
    ))!;
    cleanups.push(() => sessions.close());
    const db = new Database(path, { readonly: true });
    cleanups.push(() => {
      db.close();
    });
    return {
      sessions,
      plan: async (sql, args) =>
        (
          db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as {
            detail: string;
          }[]
        )
          .map((r) => r.detail)
          .join('\n'),
    };
  },
};

/** Live sessions in a new PostgreSQL database of their own, closed after the test. */
async function postgresSessions(): Promise<{ url: string; pool: pg.Pool; sessions: Sessions }> {
  const url = await postgres.database();
  const pool = openPool({ url, max: 4, log: () => {} });
  cleanups.push(() => pool.end());
  const sessions = (await openSessions(
    { sessionsDb: 'unused-with-postgres', sessionsRetentionDays: 30 },
    () => undefined,
    () => {},
    pool,
  ))!;
  cleanups.push(() => sessions.close());
  return { url, pool, sessions };
}

const postgresql: Engine = {
  name: 'PostgreSQL',
  async open() {
    const { pool, sessions } = await postgresSessions();
    return {
      sessions,
      // A handful of rows would be read whole by any plan; with scans and sorts priced out, what remains shows whether an index gives the page's order.
      async plan(sql, args) {
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          await client.query('SET LOCAL enable_seqscan = off');
          await client.query('SET LOCAL enable_sort = off');
          const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, args);
          await client.query('ROLLBACK');
          return rows.map((r) => r['QUERY PLAN']).join('\n');
        } finally {
          client.release();
        }
      },
    };
  },
};

/** 24 rides over 3 numbers and 4 drivers; all but the last 4 closed; refs repeat among the closed. */
async function rides(sessions: Sessions): Promise<Session[]> {
  const made: Session[] = [];
  for (let i = 0; i < 24; i++) {
    const r = await sessions.create({
      parties: [riderOf(i), DRIVERS[i % 4]!],
      virtualNumber: VNS[i % 3],
      ref: `ride-${i % 6}`,
    });
    if (!r.ok) throw new Error(r.message);
    if (i >= 20) {
      made.push(r.session);
      continue;
    }
    const closed = await sessions.update(r.session.id, { close: true });
    if (!closed.ok) throw new Error(closed.message);
    made.push(closed.session);
  }
  return made;
}

const QUERIES: [string, Omit<ListQuery, 'limit'>][] = [
  ['no filter', {}],
  ['a driver', { party: DRIVERS[0] }],
  ['a rider', { party: riderOf(5) }],
  ['a number', { virtualNumber: VNS[1] }],
  ['a ref', { ref: 'ride-2' }],
  ['open', { status: 'open' }],
  ['closed', { status: 'closed' }],
  ['a driver, open', { party: DRIVERS[1], status: 'open' }],
  ['a driver, closed', { party: DRIVERS[3], status: 'closed' }],
  ['a rider, closed', { party: riderOf(7), status: 'closed' }],
  ['a rider, open', { party: riderOf(22), status: 'open' }],
  ['a driver on a number', { party: DRIVERS[2], virtualNumber: VNS[2] }],
  ['a number, closed', { virtualNumber: VNS[0], status: 'closed' }],
  ['a ref and a driver', { ref: 'ride-1', party: DRIVERS[1] }],
  ['a ref, a number and a status', { ref: 'ride-3', virtualNumber: VNS[0], status: 'closed' }],
  ['nobody', { party: '+6591119999' }],
];

const matches = (s: Session, q: Omit<ListQuery, 'limit'>) =>
  (!q.party || s.parties.includes(q.party)) && (!q.virtualNumber || s.virtualNumber === q.virtualNumber) && (!q.ref || s.ref === q.ref) && (!q.status || s.status === q.status);
const newestFirst = (a: Session, b: Session) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

describe.each([sqlite, postgresql])('GET /sessions in $name', (engine) => {
  it('each filter pages through exactly its sessions, newest first, 3 to a page', async () => {
    const { sessions } = await engine.open();
    const made = await rides(sessions);
    for (const [name, q] of QUERIES) {
      const seen: string[] = [];
      let after: ListQuery['after'];
      for (let pages = 0; pages < 20; pages++) {
        const page = await sessions.list({ ...q, limit: 3, after });
        seen.push(...page.map((s) => s.id));
        if (page.length < 3) break;
        const last = page[page.length - 1]!;
        after = { createdAt: last.createdAt, id: last.id };
      }
      const expected = made
        .filter((s) => matches(s, q))
        .sort(newestFirst)
        .map((s) => s.id);
      expect(seen, name).toEqual(expected);
    }
    // The filters are not all empty: the table above would pass on any engine that returned nothing.
    expect(made.filter((s) => matches(s, { party: DRIVERS[0] })).length).toBe(6);
  });

  it.each(QUERIES)('%s: read from an index in the page order, never sorted', async (_name, q) => {
    const { plan } = await engine.open();
    for (const after of [undefined, { createdAt: 5, id: 'x' }]) {
      const { sql, args } = listSql({ ...q, limit: 50, after }, engine === sqlite ? SQLITE_LIST : POSTGRES_LIST);
      const text = await plan(sql, args);
      // A party's open sessions (at most one per virtual number) are the one page that is sorted: they come from the index of open party rows.
      // (PostgreSQL's planner chooses between the two indexes by its statistics, which a table this small does not have.)
      if (q.party && q.status === 'open') expect(text).toMatch(engine === sqlite ? /session_parties_open/ : /session_parties_(open|party)/);
      else expect(text).not.toMatch(/TEMP B-TREE|Sort/);
      // Its ended sessions of one status come from the ended party rows of that status, not from its whole history tried one by one.
      if (q.party && q.status && q.status !== 'open') expect(text).toMatch(/session_parties_ended/);
      // SQLite: every table is searched or scanned through an index; PostgreSQL: no sequential scan.
      expect(text).not.toMatch(/^SCAN \w+$|Seq Scan/m);
      // A filter's own index, not all sessions in creation order with the filter tried on each (linear in a rare status).
      if (Object.keys(q).length > 0) expect(text).not.toMatch(/sessions_created/);
    }
  });
});

describe('a sessions file from before the list indexes', () => {
  it('is migrated: party rows get the session creation time and status, and a party pages newest first', async () => {
    const path = join(tempDir(), 'nested', 'sessions.sqlite');
    mkdirSync(dirname(path), { recursive: true });
    const store = new SessionStore(path);
    store.close();
    // Back to schema 2, as a router of the version before left it.
    const old = new Database(path);
    old.exec(`DROP TRIGGER sessions_status_to_parties; DROP INDEX session_parties_ended; ALTER TABLE session_parties DROP COLUMN status;
      DROP TRIGGER session_parties_created; DROP INDEX sessions_virtual_number; DROP INDEX sessions_ref; DROP INDEX sessions_status; DROP INDEX session_parties_party;
      ALTER TABLE session_parties DROP COLUMN created_at;
      CREATE INDEX session_parties_party ON session_parties (party);
      INSERT INTO sessions (id, status, virtual_number, party_a, party_b, last_activity_at, created_at, seq) VALUES
        ('old1', 'closed', '${VNS[0]}', '${riderOf(1)}', '${DRIVERS[0]}', 1, 100, 1), ('old2', 'open', '${VNS[0]}', '${riderOf(2)}', '${DRIVERS[0]}', 2, 200, 2),
        ('old3', 'closed', '${VNS[1]}', '${riderOf(3)}', '${DRIVERS[1]}', 3, 50, 3);
      INSERT INTO session_parties (session_id, party, virtual_number, open) VALUES ('old1', '${riderOf(1)}', '${VNS[0]}', 0), ('old1', '${DRIVERS[0]}', '${VNS[0]}', 0), ('old2', '${riderOf(2)}', '${VNS[0]}', 1), ('old2', '${DRIVERS[0]}', '${VNS[0]}', 1),
        ('old3', '${riderOf(3)}', '${VNS[1]}', 1), ('old3', '${DRIVERS[1]}', '${VNS[1]}', 1);
      UPDATE session_seq SET last = 3;
      PRAGMA user_version = 2;`);
    old.close();
    const migrated = new SessionStore(path);
    try {
      expect(migrated.list({ party: DRIVERS[0], limit: 10 }).map((s) => s.id)).toEqual(['old2', 'old1']);
      expect(
        migrated
          .list({
            party: DRIVERS[0],
            limit: 1,
            after: { createdAt: 200, id: 'old2' },
          })
          .map((s) => s.id),
      ).toEqual(['old1']);
      expect(migrated.list({ party: DRIVERS[0], status: 'closed', limit: 10 }).map((s) => s.id)).toEqual(['old1']);
      expect(migrated.list({ party: DRIVERS[0], status: 'open', limit: 10 }).map((s) => s.id)).toEqual(['old2']);
      // An ended session whose party rows the version before left open (it was written ended) no longer blocks its party and number.
      expect(migrated.list({ party: DRIVERS[1], status: 'closed', limit: 10 }).map((s) => s.id)).toEqual(['old3']);
      migrated.insert({ id: 'new', status: 'open', virtualNumber: VNS[1]!, parties: [riderOf(4), DRIVERS[1]!], lastActivityAt: 300, createdAt: 300 });
      expect(migrated.list({ party: DRIVERS[1], status: 'open', limit: 10 }).map((s) => s.id)).toEqual(['new']);
    } finally {
      migrated.close();
    }
  });
});

describe('SQLite during an upgrade', () => {
  it('a party row written by a router of the version before (no created_at) is filled in, and the party pages list it newest first', async () => {
    const path = join(tempDir(), 'sessions.sqlite');
    const store = new SessionStore(path);
    try {
      for (const [id, at] of [
        ['s1', 1000],
        ['s2', 1010],
      ] as const) {
        store.insert({ id, status: 'open', virtualNumber: VNS[0]!, parties: [riderOf(at), DRIVERS[0]!], lastActivityAt: at, createdAt: at });
        store.update({ id, status: 'closed', virtualNumber: VNS[0]!, parties: [riderOf(at), DRIVERS[0]!], lastActivityAt: at, createdAt: at, closedAt: at + 1 });
      }
      // The old router's two inserts, on the same file.
      const old = new Database(path);
      old.prepare("INSERT INTO sessions (id, status, virtual_number, party_a, party_b, last_activity_at, created_at, seq) VALUES ('new', 'open', ?, ?, ?, 2000, 2000, 99)").run(VNS[0], riderOf(9), DRIVERS[0]);
      for (const party of [riderOf(9), DRIVERS[0]]) old.prepare("INSERT INTO session_parties (session_id, party, virtual_number, open) VALUES ('new', ?, ?, 1)").run(party, VNS[0]);
      old.close();
      expect(store.list({ party: DRIVERS[0]!, limit: 10 }).map((s) => s.id)).toEqual(['new', 's2', 's1']);
      const first = store.list({ party: DRIVERS[0]!, limit: 1 });
      expect(first.map((s) => s.id)).toEqual(['new']);
      expect(store.list({ party: DRIVERS[0]!, limit: 10, after: { createdAt: first[0]!.createdAt, id: 'new' } }).map((s) => s.id)).toEqual(['s2', 's1']);
      // Its party rows take the old router's close of it.
      expect(store.list({ party: DRIVERS[0]!, status: 'open', limit: 10 }).map((s) => s.id)).toEqual(['new']);
      const closer = new Database(path);
      closer.exec("UPDATE sessions SET status = 'closed', closed_at = 2001, seq = 100 WHERE id = 'new'; UPDATE session_parties SET open = 0 WHERE session_id = 'new'");
      closer.close();
      expect(store.list({ party: DRIVERS[0]!, status: 'open', limit: 10 })).toEqual([]);
      expect(store.list({ party: DRIVERS[0]!, status: 'closed', limit: 10 }).map((s) => s.id)).toEqual(['new', 's2', 's1']);
    } finally {
      store.close();
    }
  });
});

describe('PostgreSQL during an upgrade', () => {
  it('the migration to ended party rows waits for a close by a router of the version before, instead of deadlocking with it', async () => {
    const url = await postgres.database();
    const pool = openPool({ url, max: 4, log: () => {} });
    cleanups.push(() => pool.end());
    await migrate(pool, { ...SESSIONS_MIGRATIONS, steps: SESSIONS_MIGRATIONS.steps.slice(0, 3) });
    const old = new pg.Client({ connectionString: url });
    await old.connect();
    cleanups.push(() => old.end());
    await old.query(
      `WITH s AS (INSERT INTO sessions (id, status, virtual_number, party_a, party_b, last_activity_at, created_at) VALUES ('old', 'open', $1, $2, $3, 1, 12345) RETURNING id, virtual_number, created_at)
       INSERT INTO session_parties (session_id, party, virtual_number, created_at) SELECT id, p, virtual_number, created_at FROM s, unnest(ARRAY[$2, $3]::text[]) AS p`,
      [VNS[0], riderOf(1), DRIVERS[0]],
    );
    // The old router's close, in its own transaction, as it locks: the session row first, then its party rows.
    await old.query('BEGIN');
    await old.query("UPDATE sessions SET status = 'closed', closed_at = 12346, seq = nextval('sessions_seq') WHERE id = 'old'");
    const migrating = migrate(pool, SESSIONS_MIGRATIONS);
    // Once the migration waits on a lock the old router holds, the old router goes on to its party rows.
    for (;;) {
      const waiting = await old.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'");
      if (waiting.rows[0]!.n > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await old.query("UPDATE session_parties SET open = false WHERE session_id = 'old'");
    await old.query('COMMIT');
    expect(await migrating).toEqual({ from: 3, to: SESSIONS_MIGRATIONS.steps.length });
    const { rows } = await old.query<{ status: string; open: boolean }>("SELECT status, open FROM session_parties WHERE session_id = 'old'");
    expect(rows.map((r) => [r.status, r.open])).toEqual([
      ['closed', false],
      ['closed', false],
    ]);
  });

  it('a party row written by a router of the version before (no created_at) is filled in from its session, and takes its close', async () => {
    const { url } = await postgresSessions();
    // The insert of the version before, as it was written: party rows without created_at.
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    cleanups.push(() => client.end());
    await client.query(
      `WITH s AS (INSERT INTO sessions (id, status, virtual_number, party_a, party_b, last_activity_at, created_at) VALUES ('old', 'open', $1, $2, $3, 1, 12345) RETURNING id, virtual_number)
       INSERT INTO session_parties (session_id, party, virtual_number) SELECT id, p, virtual_number FROM s, unnest(ARRAY[$2, $3]::text[]) AS p`,
      [VNS[0], riderOf(1), DRIVERS[0]],
    );
    const { rows } = await client.query<{ created_at: string }>("SELECT created_at FROM session_parties WHERE session_id = 'old'");
    expect(rows.map((r) => Number(r.created_at))).toEqual([12345, 12345]);
    // The old router's close, as it was written: the party rows take the session's end.
    await client.query(
      `WITH u AS (UPDATE sessions SET status = 'closed', closed_at = 12346, seq = nextval('sessions_seq') WHERE id = 'old' AND status = 'open' RETURNING id),
       p AS (UPDATE session_parties SET open = false WHERE session_id = 'old')
       SELECT count(*) FROM u`,
    );
    const after = await client.query<{ status: string; open: boolean }>("SELECT status, open FROM session_parties WHERE session_id = 'old'");
    expect(after.rows.map((r) => [r.status, r.open])).toEqual([
      ['closed', false],
      ['closed', false],
    ]);
  });
});

/** Sessions on a clock the test moves, so that the sweep expires them. */
const clocked: { name: string; open(clock: () => number): Promise<Sessions> }[] = [
  {
    name: 'SQLite',
    async open(clock) {
      const sessions = new Sessions({ path: join(tempDir(), 'sessions.sqlite'), pools: () => undefined, clock });
      cleanups.push(() => sessions.close());
      return sessions;
    },
  },
  {
    name: 'PostgreSQL',
    async open(clock) {
      const pool = openPool({ url: await postgres.database(), max: 4, log: () => {} });
      cleanups.push(() => pool.end());
      const engine = new PostgresEngine(pool, () => {});
      await engine.migrate();
      const sessions = new Sessions({ pools: () => undefined, clock, engine: { engine, snapshot: await engine.snapshot(undefined) } });
      cleanups.push(() => sessions.close());
      return sessions;
    },
  },
];

describe.each(clocked)('a party with expired, closed and open sessions in $name', (engine) => {
  it('lists each status of its own, newest first', async () => {
    let now = Date.parse('2026-12-04T10:00:00Z');
    const sessions = await engine.open(() => now);
    const made: Session[] = [];
    for (let i = 0; i < 6; i++) {
      now += 1000;
      const r = await sessions.create({ parties: [riderOf(i), DRIVERS[0]!], virtualNumber: `+65683320${60 + i}`, ...(i % 3 === 0 ? { expiresAt: now + 60_000 } : {}) });
      if (!r.ok) throw new Error(r.message);
      made.push(r.session);
      if (i % 3 === 1) {
        const closed = await sessions.update(r.session.id, { close: true });
        if (!closed.ok) throw new Error(closed.message);
      }
    }
    now += 61_000;
    expect(await sessions.sweep()).toBe(2);
    const ids = async (status: 'open' | 'closed' | 'expired') => (await sessions.list({ party: DRIVERS[0]!, status, limit: 10 })).map((s) => s.id);
    const of = (k: number) => [made[k + 3]!.id, made[k]!.id];
    expect(await ids('expired')).toEqual(of(0));
    expect(await ids('closed')).toEqual(of(1));
    expect(await ids('open')).toEqual(of(2));
    // The rider's row of an expired session says so too.
    expect((await sessions.list({ party: riderOf(3), status: 'expired', limit: 10 })).map((s) => s.id)).toEqual([made[3]!.id]);
    expect(await sessions.list({ party: riderOf(3), status: 'open', limit: 10 })).toEqual([]);
  });
});

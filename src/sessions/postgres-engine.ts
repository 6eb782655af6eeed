import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Logger } from '../log/logger.js';
import { migrate } from '../postgres/migrate.js';
import { shownUrl } from '../postgres/open-pool.js';
import { CatchUpCursors } from './postgres-catch-up.js';
import { SESSIONS_MIGRATIONS } from './postgres-schema.js';
import { type SessionRow, sessionFromRow, sessionToRow } from './session-row.js';
import { endsAt, type Session } from './session.js';
import { StoreUnavailable, type SessionsEngine, type SessionsSnapshot } from './sessions-engine.js';
import { type ListQuery, listSql, POSTGRES_LIST } from './list-query.js';
import type { SessionCall, SessionChange } from './session-store.js';
import type { Committed, JobResult, WriteOp } from './store-writer.js';

/** Held by the router that sweeps, on its listening connection: one sweeper at a time. */
const SWEEP_LOCK = 0x73776570; // "swep"
const CHANNEL = 'sessions_changed';
const RECONNECT_MS = 1000;

type Row = SessionRow & { seq: string };

/**
 * Live sessions in PostgreSQL, shared by every router. Each router keeps its own index in
 * memory and follows the others' writes: NOTIFY after each commit, plus catching up by
 * transaction snapshots (postgres-catch-up.ts), so writers on several routers never wait for each other.
 */
export class PostgresEngine implements SessionsEngine {
  readonly describe: string;
  private listener: pg.Client | undefined;
  private onChange: (() => void) | undefined;
  private reconnect: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly cursors = new CatchUpCursors();
  /** Sent with each NOTIFY, so this router's listener can tell its own commits from the others'. */
  private readonly writerId = randomUUID();

  constructor(
    private readonly pool: pg.Pool,
    private readonly log: Logger,
  ) {
    this.describe = `PostgreSQL at ${shownUrl(pool.options.connectionString ?? '')}`;
  }

  /** Creates or upgrades the tables (once, however many routers start together). */
  async migrate(): Promise<void> {
    await migrate(this.pool, SESSIONS_MIGRATIONS);
  }

  /** Open sessions and the cursor they are current to, read in one snapshot so no write falls between. */
  async snapshot(endedSince: number | undefined): Promise<SessionsSnapshot> {
    const client = await checkout(this.pool);
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      // The first statement takes the transaction's snapshot: the reads below see exactly what it says.
      const taken = await client.query<{ snapshot: string }>('SELECT pg_current_snapshot()::text AS snapshot');
      const open = await client.query<Row>("SELECT * FROM sessions WHERE status = 'open'");
      const ended =
        endedSince === undefined
          ? { rows: [] }
          : await client.query<Pick<Row, 'party_a' | 'party_b' | 'virtual_number' | 'closed_at'>>("SELECT party_a, party_b, virtual_number, closed_at FROM sessions WHERE status <> 'open' AND closed_at >= $1", [
              endedSince,
            ]);
      await client.query('COMMIT');
      return {
        open: open.rows.map(sessionFromRow),
        recentlyEnded: ended.rows.map((r) => ({ parties: [r.party_a, r.party_b] as const, virtualNumber: r.virtual_number, at: Number(r.closed_at) })),
        seq: this.cursors.start(taken.rows[0]!.snapshot),
      };
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {});
      throw e;
    } finally {
      client.done();
    }
  }

  async commit(jobs: WriteOp[][]): Promise<Committed> {
    // Nearly always every job goes in: one statement per op, no savepoints. When one is refused,
    // the whole batch is taken back and written again job by job, each in its own savepoint.
    const all = await (jobs.length > 0 && jobs.every((ops) => ops.every((op) => op.op === 'insert'))
      ? this.insertOnly(jobs)
      : this.transaction(async (client) => {
          // Creates in a row go in as one statement; order is kept (a job may end a session, then open one).
          let creates: Session[] = [];
          const flushCreates = async () => {
            if (creates.length > 0) await insertMany(client, creates);
            creates = [];
          };
          for (const ops of jobs) {
            for (const op of ops) {
              if (op.op === 'insert') {
                creates.push(op.session);
                continue;
              }
              await flushCreates();
              if (await apply(client, op)) throw new Refused();
            }
          }
          await flushCreates();
          return jobs.map((): JobResult => ({ ok: true }));
        })
    ).catch((e) => {
      if (e instanceof StoreUnavailable && (e.cause instanceof Refused || conflictOf(e.cause))) return undefined;
      throw e;
    });
    // No seqs: this engine's are cursors over transactions, and the other routers write meanwhile.
    if (all) return { results: all };
    const results = await this.transaction(async (client) => {
      const results: JobResult[] = [];
      for (const ops of jobs) {
        await client.query('SAVEPOINT job');
        try {
          let ended = false;
          for (const op of ops) ended = (await apply(client, op)) || ended;
          if (ended) {
            await client.query('ROLLBACK TO SAVEPOINT job');
            results.push({ ok: false, conflict: 'ended', message: 'the session was ended through another router: create a new one' });
          } else {
            await client.query('RELEASE SAVEPOINT job');
            results.push({ ok: true });
          }
        } catch (e) {
          const conflict = conflictOf(e);
          if (!conflict) throw e;
          await client.query('ROLLBACK TO SAVEPOINT job');
          results.push({ ok: false, ...conflict });
        }
      }
      return results;
    });
    return { results };
  }

  /**
   * A batch of creates only (the usual group commit): one statement in its own transaction, with
   * the NOTIFY inside it, instead of BEGIN, the insert, NOTIFY and COMMIT as four round trips.
   */
  private async insertOnly(jobs: WriteOp[][]): Promise<JobResult[]> {
    const sessions = jobs.flatMap((ops) => ops.map((op) => (op as Extract<WriteOp, { op: 'insert' }>).session));
    try {
      await this.pool.query({ name: 'sessions-insert-many-notify', text: INSERT_MANY_NOTIFY, values: [...insertManyArgs(sessions), this.writerId] });
    } catch (e) {
      throw this.unavailable(e);
    }
    return jobs.map((): JobResult => ({ ok: true }));
  }

  async story(calls: { session: Session; call: SessionCall }[]): Promise<void> {
    await this.transaction(async (client) => {
      for (const { session: s, call } of calls) {
        // A new txn (the trigger) and seq: the other routers learn of the idle slide too.
        await client.query("UPDATE sessions SET last_activity_at = $1, ends_at = $2, seq = nextval('sessions_seq') WHERE id = $3 AND last_activity_at < $1", [s.lastActivityAt, endsAt(s) ?? null, s.id]);
        await client.query('INSERT INTO session_calls (session_id, at, call_id, caller, callee, rule_id) SELECT $1, $2, $3, $4, $5, $6 WHERE EXISTS (SELECT 1 FROM sessions WHERE id = $1)', [
          s.id,
          call.at,
          call.callId,
          call.caller,
          call.callee,
          call.ruleId,
        ]);
      }
    });
  }

  async get(id: string): Promise<Session | undefined> {
    const { rows } = await this.read<Row>('SELECT * FROM sessions WHERE id = $1', [id]);
    return rows[0] && sessionFromRow(rows[0]);
  }

  async list(q: ListQuery): Promise<Session[]> {
    const { sql, args } = listSql(q, POSTGRES_LIST);
    return (await this.read<Row>(sql, args)).rows.map(sessionFromRow);
  }

  async calls(id: string, limit = 1000): Promise<SessionCall[]> {
    const { rows } = await this.read<{ at: string; callId: string; caller: string; callee: string; ruleId: string }>(
      'SELECT at, call_id AS "callId", caller, callee, rule_id AS "ruleId" FROM session_calls WHERE session_id = $1 ORDER BY at, n LIMIT $2',
      [id, limit],
    );
    return rows.map((r) => ({ ...r, at: Number(r.at) }));
  }

  async dueIds(at: number, limit: number): Promise<string[]> {
    const { rows } = await this.read<{ id: string }>("SELECT id FROM sessions WHERE status = 'open' AND ends_at <= $1 LIMIT $2", [at, limit]);
    return rows.map((r) => r.id);
  }

  /** `seq` names a cursor of this engine (from snapshot() or an earlier change); the writes it has not seen, a page at a time. */
  async changesSince(seq: number, limit: number): Promise<SessionChange[]> {
    try {
      return await this.cursors.read(this.pool, seq, limit);
    } catch (e) {
      throw this.unavailable(e);
    }
  }

  watch(onChange: () => void): void {
    this.onChange = onChange;
    void this.listen();
  }

  async maySweep(): Promise<boolean> {
    if (!this.listener) return false;
    try {
      // Session-level and re-entrant: the router that has it keeps it until its connection ends.
      const { rows } = await this.listener.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [SWEEP_LOCK]);
      return rows[0]?.ok === true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnect);
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => {});
  }

  /** A connection of its own that LISTENs; when it drops, it comes back and the index catches up. */
  private async listen(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({ connectionString: this.pool.options.connectionString, connectionTimeoutMillis: 3000, application_name: 'call-router-sessions-listen' });
    const retry = () => {
      if (this.listener === client) this.listener = undefined;
      client.removeAllListeners();
      client.on('error', () => {});
      void client.end().catch(() => {});
      if (this.closed || this.reconnect) return;
      this.reconnect = setTimeout(() => {
        this.reconnect = undefined;
        void this.listen();
      }, RECONNECT_MS).unref();
    };
    client.on('error', (e) => {
      this.log({ level: 'warn', msg: 'sessions-listen-lost', error: e.message });
      retry();
    });
    client.on('end', retry);
    // Our own commits need no catching up now: the next catch-up (another router's commit, or the
    // service's timer) reads them with everything else, instead of one read per commit of ours.
    client.on('notification', (n) => {
      if (n.payload !== this.writerId) this.onChange?.();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
      if (this.closed) return void client.end().catch(() => {});
      this.listener = client;
      // Whatever was written while we were not listening.
      this.onChange?.();
    } catch {
      retry();
    }
  }

  /** One transaction; tells the other routers once it commits. */
  private async transaction<T>(work: (client: Checkout) => Promise<T>): Promise<T> {
    let client: Checkout;
    try {
      client = await checkout(this.pool);
    } catch (e) {
      throw this.unavailable(e);
    }
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query(`NOTIFY ${CHANNEL}, '${this.writerId}'`);
      await client.query('COMMIT');
      return result;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {});
      throw this.unavailable(e);
    } finally {
      client.done();
    }
  }

  private async read<R extends pg.QueryResultRow>(sql: string, args: unknown[]): Promise<pg.QueryResult<R>> {
    try {
      return await this.pool.query<R>(sql, args);
    } catch (e) {
      throw this.unavailable(e);
    }
  }

  private unavailable(e: unknown): StoreUnavailable {
    if (e instanceof StoreUnavailable) return e;
    return new StoreUnavailable(
      `the sessions database (${this.describe}) cannot be reached or did not answer in time (${e instanceof Error ? e.message : String(e)}): nothing was changed; try again in a few seconds, and check that PostgreSQL is running and DATABASE_URL points at it`,
      { cause: e },
    );
  }
}

const COLUMNS = [
  ['id', 'text'],
  ['status', 'text'],
  ['virtual_number', 'text'],
  ['pool', 'text'],
  ['party_a', 'text'],
  ['party_b', 'text'],
  ['expires_at', 'bigint'],
  ['idle_ttl', 'integer'],
  ['last_activity_at', 'bigint'],
  ['ends_at', 'bigint'],
  ['ref', 'text'],
  ['record', 'boolean'],
  ['sub_account_id', 'text'],
  ['pin', 'text'],
  ['created_at', 'bigint'],
  ['closed_at', 'bigint'],
  ['request_hash', 'text'],
] as const;

/** Many sessions and their party rows in one statement: a column array each. */
async function insertMany(client: Checkout, sessions: Session[]): Promise<void> {
  await client.query({ name: 'sessions-insert-many', text: INSERT_MANY, values: insertManyArgs(sessions) });
}

/** The insert of many sessions and their party rows; `then` runs after it in the same statement (or ends it). */
function insertManySql(then: string): string {
  return `WITH s AS (
       INSERT INTO sessions (${COLUMNS.map(([n]) => n).join(', ')})
       SELECT * FROM unnest(${COLUMNS.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ')}) RETURNING id, virtual_number, party_a, party_b, created_at, status),
     p AS (INSERT INTO session_parties (session_id, party, virtual_number, created_at, open, status)
       SELECT id, party_a, virtual_number, created_at, status = 'open', NULLIF(status, 'open') FROM s UNION ALL SELECT id, party_b, virtual_number, created_at, status = 'open', NULLIF(status, 'open') FROM s)
     ${then || 'SELECT'}`;
}

// Named statements: parsed and planned once per connection (planning this one cost more than running it).
const INSERT_MANY = insertManySql('');
/** The same, then the NOTIFY, its payload (the writer's id) the parameter after the columns. */
const INSERT_MANY_NOTIFY = insertManySql(`SELECT pg_notify('${CHANNEL}', $${COLUMNS.length + 1})`);

function insertManyArgs(sessions: Session[]): unknown[][] {
  const rows = sessions.map((s) => sessionToRow(s, Boolean));
  return COLUMNS.map(([name]) => rows.map((r) => r[name]));
}

type Checkout = pg.PoolClient & { done(): void };

/**
 * A client from the pool that may break while we hold it (PostgreSQL stopped): the pool listens
 * for errors only on idle clients, and an 'error' nobody listens to would end the process. A
 * broken one is thrown away on release, not given to the next caller.
 */
async function checkout(pool: pg.Pool): Promise<Checkout> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (e: Error) => (broken = e);
  client.on('error', onError);
  return Object.assign(client, {
    done() {
      client.off('error', onError);
      client.release(broken);
    },
  });
}

/** A job of the batch was refused: write the batch again, job by job. */
class Refused extends Error {}

/** Writes one op; true when an update found the session already ended by another router. */
async function apply(client: Checkout, op: WriteOp): Promise<boolean> {
  switch (op.op) {
    case 'insert': {
      const s = op.session;
      const r = sessionToRow(s, Boolean);
      // One statement (one round trip) for the session and its two party rows.
      await client.query(
        `WITH s AS (
           INSERT INTO sessions (id, status, virtual_number, pool, party_a, party_b, expires_at, idle_ttl, last_activity_at, ends_at, ref, record, sub_account_id, pin, created_at, closed_at, request_hash)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING id, virtual_number, created_at, status)
         INSERT INTO session_parties (session_id, party, virtual_number, created_at, open, status)
         SELECT id, p, virtual_number, created_at, status = 'open', NULLIF(status, 'open') FROM s, unnest(ARRAY[$5, $6]::text[]) AS p`,
        [r.id, r.status, r.virtual_number, r.pool, r.party_a, r.party_b, r.expires_at, r.idle_ttl, r.last_activity_at, r.ends_at, r.ref, r.record, r.sub_account_id, r.pin, r.created_at, r.closed_at, r.request_hash],
      );
      return false;
    }
    case 'update': {
      const s = op.session;
      const r = sessionToRow(s, Boolean);
      // Only an open session changes: one that another router ended stays as it ended. An end
      // closes its party rows through the trigger sessions_status_to_parties (postgres-schema.ts).
      const { rows } = await client.query<{ n: number }>(
        `WITH u AS (
           UPDATE sessions SET status = $2, expires_at = $3, idle_ttl = $4, last_activity_at = GREATEST(last_activity_at, $5), ends_at = $6, record = $7, closed_at = $8, seq = nextval('sessions_seq')
           WHERE id = $1 AND status = 'open' RETURNING id)
         SELECT count(*)::int AS n FROM u`,
        [r.id, r.status, r.expires_at, r.idle_ttl, r.last_activity_at, r.ends_at, r.record, r.closed_at],
      );
      // An end that finds it ended already is done; a change to an ended session is refused.
      return s.status === 'open' && rows[0]?.n === 0;
    }
    case 'prune':
      await client.query("DELETE FROM sessions WHERE status <> 'open' AND closed_at < $1", [op.before]);
      return false;
  }
}

function conflictOf(e: unknown): { conflict: 'party' | 'ref' | 'pin'; message: string } | undefined {
  const err = e as { code?: string; constraint?: string };
  if (err.code !== '23505') return undefined;
  if (err.constraint === 'session_parties_open') return { conflict: 'party', message: 'a party already has an open session on this virtual number (created through another router)' };
  if (err.constraint === 'sessions_open_ref') return { conflict: 'ref', message: 'another open session has this ref (created through another router)' };
  if (err.constraint === 'sessions_open_pin') return { conflict: 'pin', message: 'another open session on this virtual number has this pin (created through another router)' };
  return undefined;
}

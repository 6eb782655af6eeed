import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { type SessionRow, sessionFromRow, sessionToRow } from './session-row.js';
import { type ListQuery, listSql, SQLITE_LIST } from './list-query.js';
import { endsAt, type Session } from './session.js';

/**
 * Each step brings the file from version i to i + 1 (PRAGMA user_version). Never edit a step
 * that has shipped: add one.
 */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE sessions (
     id TEXT PRIMARY KEY,
     status TEXT NOT NULL CHECK (status IN ('open', 'closed', 'expired')),
     virtual_number TEXT NOT NULL,
     pool TEXT,
     party_a TEXT NOT NULL,
     party_b TEXT NOT NULL,
     expires_at INTEGER,
     idle_ttl INTEGER,
     last_activity_at INTEGER NOT NULL,
     ends_at INTEGER,
     ref TEXT,
     record INTEGER,
     sub_account_id TEXT,
     pin TEXT,
     created_at INTEGER NOT NULL,
     closed_at INTEGER,
     request_hash TEXT
   );
   CREATE UNIQUE INDEX sessions_open_ref ON sessions (ref) WHERE status = 'open' AND ref IS NOT NULL;
   CREATE UNIQUE INDEX sessions_open_pin ON sessions (virtual_number, pin) WHERE status = 'open' AND pin IS NOT NULL;
   CREATE INDEX sessions_open_ends ON sessions (ends_at) WHERE status = 'open';
   CREATE INDEX sessions_created ON sessions (created_at, id);
   CREATE INDEX sessions_closed ON sessions (closed_at) WHERE status <> 'open';
   -- One row per party: the partial UNIQUE index is the rule "no party has two open sessions on
   -- one virtual number", held by the database so that no two writers can ever cross sessions.
   CREATE TABLE session_parties (
     session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
     party TEXT NOT NULL,
     virtual_number TEXT NOT NULL,
     open INTEGER NOT NULL DEFAULT 1,
     PRIMARY KEY (session_id, party)
   );
   CREATE UNIQUE INDEX session_parties_open ON session_parties (party, virtual_number) WHERE open = 1;
   CREATE INDEX session_parties_party ON session_parties (party);
   CREATE TABLE session_calls (
     session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
     at INTEGER NOT NULL,
     call_id TEXT NOT NULL,
     caller TEXT NOT NULL,
     callee TEXT NOT NULL,
     rule_id TEXT NOT NULL
   );
   CREATE INDEX session_calls_session ON session_calls (session_id, at);`,
  // The change sequence: each write of a session row takes the next number (kept on closed rows
  // too), so a running server finds what another process (an import) wrote by asking for the rows
  // after the last number it has seen. A counter row rather than max(seq): pruning the newest
  // closed rows must never hand out a number again.
  `ALTER TABLE sessions ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
   UPDATE sessions SET seq = rowid;
   CREATE UNIQUE INDEX sessions_seq ON sessions (seq);
   CREATE TABLE session_seq (one INTEGER PRIMARY KEY CHECK (one = 1), last INTEGER NOT NULL);
   INSERT INTO session_seq (one, last) SELECT 1, coalesce(max(seq), 0) FROM sessions;`,
  // An index for each filter of GET /sessions, in the page's order (list-query.ts): a filter used
  // to read and sort every row it matched (78 ms at 400k sessions, 163 ms per page for a party with
  // 100k). Party rows carry created_at so that a party's pages come from its index alone. A writer
  // of the version before (still running on the file during an upgrade) leaves it NULL: the
  // trigger fills it in from the session, or the party's pages would miss that session.
  `ALTER TABLE session_parties ADD COLUMN created_at INTEGER;
   UPDATE session_parties SET created_at = (SELECT created_at FROM sessions WHERE sessions.id = session_parties.session_id);
   DROP INDEX IF EXISTS session_parties_party;
   CREATE INDEX session_parties_party ON session_parties (party, created_at, session_id);
   CREATE INDEX sessions_virtual_number ON sessions (virtual_number, created_at, id);
   CREATE INDEX sessions_ref ON sessions (ref, created_at, id) WHERE ref IS NOT NULL;
   CREATE INDEX sessions_status ON sessions (status, created_at, id);
   CREATE TRIGGER session_parties_created AFTER INSERT ON session_parties WHEN NEW.created_at IS NULL
   BEGIN
     UPDATE session_parties SET created_at = (SELECT created_at FROM sessions WHERE id = NEW.session_id) WHERE rowid = NEW.rowid;
   END;`,
  // An ended session's party rows carry its status, so that a party's closed (or expired)
  // sessions come from their own index: they used to be read one by one through the party's whole
  // history until a page was full (62 ms for a party with 100k sessions). The index holds ended
  // rows only, so a create writes no more than before. The session row stays the one truth: a
  // trigger copies each end to its party rows, whoever writes it (this version, the version
  // before during an upgrade, an import).
  `ALTER TABLE session_parties ADD COLUMN status TEXT;
   UPDATE session_parties SET open = 0, status = (SELECT status FROM sessions WHERE sessions.id = session_parties.session_id)
     WHERE session_id IN (SELECT id FROM sessions WHERE status <> 'open');
   CREATE INDEX session_parties_ended ON session_parties (party, status, created_at, session_id) WHERE open = 0;
   CREATE TRIGGER sessions_status_to_parties AFTER UPDATE OF status ON sessions WHEN NEW.status IS NOT OLD.status AND NEW.status <> 'open'
   BEGIN
     UPDATE session_parties SET status = NEW.status, open = 0 WHERE session_id = NEW.id;
   END;`,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * With a checkpoint thread beside the writer, the writer's commits checkpoint only if the log
 * passes this many pages (64 MB): when that thread has fallen behind or stopped.
 */
const WAL_LIMIT_PAGES = 16_000;

type Row = SessionRow & { seq: number };

/** A session as a write left it, with that write's place in the change sequence. */
export interface SessionChange {
  seq: number;
  session: Session;
}

/**
 * How a running server keeps its in-memory index in step with writes made elsewhere (another
 * process on the same file, another server on the same database): the changes after the last
 * one it has seen, in the order they were committed.
 */
interface SessionChanges {
  /** Up to `limit` sessions written after `seq`, lowest seq first. */
  changesSince(seq: number, limit: number): SessionChange[];
  /** The seq of the last committed write; 0 for an empty store. */
  lastSeq(): number;
}

export interface SessionCall {
  at: number;
  callId: string;
  caller: string;
  callee: string;
  ruleId: string;
}

/** Thrown when a write would break a constraint: the other open session is named when known. */
export class SessionConflict extends Error {
  constructor(
    readonly kind: 'party' | 'ref' | 'pin',
    message: string,
  ) {
    super(message);
  }
}

/** The file under the sessions: SQLite in WAL mode, each commit flushed to disk before it returns. */
export class SessionStore implements SessionChanges {
  private readonly db: Database.Database;
  private readonly stmts;
  /** One prepared statement per shape of GET /sessions (at most 2^5 of them). */
  private readonly listStmts = new Map<string, Database.Statement>();

  /** `checkpoints: 'elsewhere'`: another connection (checkpoint-worker.ts) checkpoints the log, not this one's commits. */
  constructor(
    readonly path: string,
    options: { checkpoints?: 'in-commits' | 'elsewhere' } = {},
  ) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    // FULL: a commit is on disk before the 201 is sent; with NORMAL, WAL can lose it on power loss.
    this.db.pragma('synchronous = FULL');
    this.db.pragma('foreign_keys = ON');
    // A savepoint (a commit redone job by job after a refusal, insert() alone) keeps the old copy of
    // every page it touches in a sub-journal; on disk (the default) that was 33 writes per create and
    // 3/4 of its CPU time when every create had one. In memory it is only needed until the commit, so
    // nothing durable moves.
    this.db.pragma('temp_store = MEMORY');
    this.db.pragma('busy_timeout = 5000');
    if (options.checkpoints === 'elsewhere') this.db.pragma(`wal_autocheckpoint = ${WAL_LIMIT_PAGES}`);
    this.migrate();
    const db = this.db;
    this.stmts = {
      insert: db.prepare(
        `INSERT INTO sessions (id, status, virtual_number, pool, party_a, party_b, expires_at, idle_ttl, last_activity_at, ends_at, ref, record, sub_account_id, pin, created_at, closed_at, request_hash, seq)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      insertParty: db.prepare('INSERT INTO session_parties (session_id, party, virtual_number, open, created_at, status) VALUES (?, ?, ?, ?, ?, ?)'),
      update: db.prepare(
        `UPDATE sessions SET status = @status, expires_at = @expires_at, idle_ttl = @idle_ttl, last_activity_at = @last_activity_at, ends_at = @ends_at, record = @record, closed_at = @closed_at, seq = @seq WHERE id = @id`,
      ),
      get: db.prepare('SELECT * FROM sessions WHERE id = ?'),
      open: db.prepare("SELECT * FROM sessions WHERE status = 'open'"),
      due: db.prepare("SELECT id FROM sessions WHERE status = 'open' AND ends_at <= ? LIMIT ?"),
      recentlyEnded: db.prepare("SELECT party_a, party_b, virtual_number, closed_at FROM sessions WHERE status <> 'open' AND closed_at >= ?"),
      touch: db.prepare('UPDATE sessions SET last_activity_at = ?, ends_at = ? WHERE id = ? AND last_activity_at < ?'),
      insertCall: db.prepare('INSERT INTO session_calls (session_id, at, call_id, caller, callee, rule_id) VALUES (?, ?, ?, ?, ?, ?)'),
      calls: db.prepare('SELECT at, call_id AS callId, caller, callee, rule_id AS ruleId FROM session_calls WHERE session_id = ? ORDER BY at, rowid LIMIT ?'),
      nextSeq: db.prepare('UPDATE session_seq SET last = last + 1 RETURNING last').pluck(),
      takeSeqs: db.prepare('UPDATE session_seq SET last = last + ? RETURNING last').pluck(),
      lastSeq: db.prepare('SELECT last FROM session_seq').pluck(),
      changes: db.prepare('SELECT * FROM sessions WHERE seq > ? ORDER BY seq LIMIT ?'),
      prune: db.prepare("DELETE FROM sessions WHERE status <> 'open' AND closed_at < ?"),
    };
  }

  private migrate(): void {
    // IMMEDIATE: two processes starting on one new file must not both create the tables.
    this.db
      .transaction(() => {
        const version = this.db.pragma('user_version', { simple: true }) as number;
        if (version > MIGRATIONS.length) {
          throw new Error(`${this.path} was written by a newer version (schema ${version}, this one knows ${MIGRATIONS.length}): upgrade, or point SESSIONS_DB at another file`);
        }
        for (let v = version; v < MIGRATIONS.length; v++) this.db.exec(MIGRATIONS[v]!);
        if (version < MIGRATIONS.length) this.db.pragma(`user_version = ${MIGRATIONS.length}`);
      })
      .immediate();
  }

  /** Runs `work` in one transaction: one flush to disk for all it writes. */
  transaction<T>(work: () => T): T {
    return this.db.transaction(work)();
  }

  /**
   * Runs `work` in one write transaction (taking the write lock first, so no other process
   * writes between its reads), with the change sequence just before and after it.
   */
  writeTransaction<T>(work: () => T): { results: T; seqs: { before: number; after: number } } {
    return this.db
      .transaction(() => {
        const before = this.lastSeq();
        const results = work();
        return { results, seqs: { before, after: this.lastSeq() } };
      })
      .immediate();
  }

  /**
   * Runs `work` in one transaction without waiting for the disk (synchronous=NORMAL: in WAL mode
   * a power cut may lose the last such commits, never corrupt the file). For writes nobody was
   * promised: the session story and the idle slide. A restart at worst ends a session a little
   * earlier than its last call said.
   */
  unacknowledged(work: () => void): void {
    this.db.pragma('synchronous = NORMAL');
    try {
      this.db.transaction(work)();
    } finally {
      this.db.pragma('synchronous = FULL');
    }
  }

  /** Runs `work` in a savepoint inside the current transaction, so one failure undoes only its own writes. */
  savepoint<T>(work: () => T): T {
    return this.db.transaction(work)();
  }

  insert(s: Session): void {
    // All rows or none, also when called outside a transaction.
    this.db.transaction(() => this.insertRows(s))();
  }

  /**
   * The rows of a new session, without a savepoint of its own: inside a transaction whose caller
   * rolls it all back if this throws (the writer's commits), else a failure could leave the
   * session row without its parties.
   */
  insertRows(s: Session, seq?: number): void {
    try {
      // Positional: binding 18 named parameters from a spread copy of the row cost more than the insert's own work.
      const r = sessionToRow(s, Number);
      this.stmts.insert.run(
        r.id,
        r.status,
        r.virtual_number,
        r.pool,
        r.party_a,
        r.party_b,
        r.expires_at,
        r.idle_ttl,
        r.last_activity_at,
        r.ends_at,
        r.ref,
        r.record,
        r.sub_account_id,
        r.pin,
        r.created_at,
        r.closed_at,
        r.request_hash,
        seq ?? this.stmts.nextSeq.get(),
      );
      for (const p of s.parties) this.stmts.insertParty.run(s.id, p, s.virtualNumber, s.status === 'open' ? 1 : 0, s.createdAt, s.status === 'open' ? null : s.status);
    } catch (e) {
      throw conflictOf(e) ?? e;
    }
  }

  /** Writes a session's state back (extend, record, close, expire). */
  update(s: Session, seq?: number): void {
    const { id, status, expires_at, idle_ttl, last_activity_at, ends_at, record, closed_at } = sessionToRow(s, Number);
    this.stmts.update.run({ id, status, expires_at, idle_ttl, last_activity_at, ends_at, record, closed_at, seq: seq ?? this.stmts.nextSeq.get() });
  }

  /**
   * The next `n` numbers of the change sequence at once, for writes that cannot fail alone (the
   * transaction is undone whole if one throws, numbers and all): the first of them.
   */
  takeSeqs(n: number): number {
    return (this.stmts.takeSeqs.get(n) as number) - n + 1;
  }

  get(id: string): Session | undefined {
    const row = this.stmts.get.get(id) as Row | undefined;
    return row && sessionFromRow(row);
  }

  allOpen(): Session[] {
    return (this.stmts.open.all() as Row[]).map(sessionFromRow);
  }

  /** Ids of open sessions whose stored end has passed (the caller re-checks against memory). */
  dueIds(at: number, limit: number): string[] {
    return (this.stmts.due.all(at, limit) as { id: string }[]).map((r) => r.id);
  }

  recentlyEnded(since: number): { parties: [string, string]; virtualNumber: string; at: number }[] {
    return (this.stmts.recentlyEnded.all(since) as { party_a: string; party_b: string; virtual_number: string; closed_at: number }[]).map((r) => ({
      parties: [r.party_a, r.party_b],
      virtualNumber: r.virtual_number,
      at: r.closed_at,
    }));
  }

  changesSince(seq: number, limit: number): SessionChange[] {
    return (this.stmts.changes.all(seq, limit) as Row[]).map((r) => ({ seq: r.seq, session: sessionFromRow(r) }));
  }

  lastSeq(): number {
    return this.stmts.lastSeq.get() as number;
  }

  /**
   * A call through the session: slides its idle expiry and tells its story. Not a change in the
   * sequence: the server that answered the call slid its own copy already.
   */
  recordCall(s: Session, call: SessionCall): void {
    this.stmts.touch.run(s.lastActivityAt, endsAt(s) ?? null, s.id, s.lastActivityAt);
    this.stmts.insertCall.run(s.id, call.at, call.callId, call.caller, call.callee, call.ruleId);
  }

  calls(id: string, limit = 1000): SessionCall[] {
    return this.stmts.calls.all(id, limit) as SessionCall[];
  }

  list(q: ListQuery): Session[] {
    const { sql, args } = listSql(q, SQLITE_LIST);
    let stmt = this.listStmts.get(sql);
    if (!stmt) this.listStmts.set(sql, (stmt = this.db.prepare(sql)));
    return (stmt.all(...args) as Row[]).map(sessionFromRow);
  }

  /** Deletes closed and expired sessions (and their calls) that ended before `before`. */
  prune(before: number): number {
    return this.stmts.prune.run(before).changes;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

function conflictOf(e: unknown): SessionConflict | undefined {
  const err = e as { code?: string; message?: string };
  if (err.code !== 'SQLITE_CONSTRAINT_UNIQUE') return undefined;
  const m = err.message ?? '';
  if (m.includes('session_parties')) return new SessionConflict('party', 'a party already has an open session on this virtual number');
  if (m.includes('sessions.ref')) return new SessionConflict('ref', 'another open session has this ref');
  if (m.includes('sessions.virtual_number') || m.includes('sessions.pin')) return new SessionConflict('pin', 'another open session on this virtual number has this pin');
  return undefined;
}

import type { Session } from './session.js';
import type { ListQuery } from './list-query.js';
import type { SessionCall, SessionChange } from './session-store.js';
import type { Committed, WriteOp } from './store-writer.js';

type MaybePromise<T> = T | Promise<T>;

/** What the open sessions were at one moment, to fill the index at start. */
export interface SessionsSnapshot {
  open: Session[];
  recentlyEnded: { parties: readonly [string, string]; virtualNumber: string; at: number }[];
  /** The last write the snapshot includes: changes after it are caught up. */
  seq: number;
}

/**
 * Where the sessions are kept: the SQLite file (one router) or PostgreSQL (several). Both hold
 * the uniqueness rules as constraints, so a write that memory allowed is checked again there.
 */
export interface SessionsEngine {
  /** For messages: "the sessions file /var/lib/x.db", "PostgreSQL at postgres://...". */
  readonly describe: string;
  /** Each job's writes all or nothing, durable before it resolves; a job that breaks a constraint gets its conflict. */
  commit(jobs: WriteOp[][]): Promise<Committed>;
  /** Calls through sessions and the idle slide they cause; nobody waits on these. */
  story(calls: { session: Session; call: SessionCall }[]): Promise<void>;
  get(id: string): MaybePromise<Session | undefined>;
  list(q: ListQuery): MaybePromise<Session[]>;
  calls(id: string, limit?: number): MaybePromise<SessionCall[]>;
  /** Ids of open sessions whose stored end has passed (the caller re-checks against memory). */
  dueIds(at: number, limit: number): MaybePromise<string[]>;
  /** Writes after `seq` (by this router and every other writer), in the order they were committed. */
  changesSince(seq: number, limit: number): MaybePromise<SessionChange[]>;
  /** Calls `onChange` soon after another writer commits (a hint: changesSince says what changed). */
  watch?(onChange: () => void): void;
  /** Whether this router is the one that sweeps and prunes now (one at a time). */
  maySweep(): Promise<boolean>;
  close(): Promise<void>;
}

/** The store cannot take the write right now (PostgreSQL down or too slow): the API answers 503. */
export class StoreUnavailable extends Error {}

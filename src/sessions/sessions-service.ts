import { createHash, randomBytes } from 'node:crypto';
import type { Pool } from '../engine/pool.js';
import type { SessionLookup } from '../engine/session-lookup.js';
import type { Logger } from '../log/logger.js';
import { countryOf } from '../rules/phone-number.js';
import { silentLogger } from '../log/logger.js';
import { allocateNumber, poolHasCountries } from './allocate.js';
import { isLive, type Session } from './session.js';
import { SessionIndex } from './session-index.js';
import { StoreUnavailable, type SessionsEngine, type SessionsSnapshot } from './sessions-engine.js';
import type { ListQuery } from './list-query.js';
import type { SessionCall } from './session-store.js';
import { SqliteEngine } from './sqlite-engine.js';
import type { WriteOp } from './store-writer.js';

/** A checked create request (numbers already normalised by the API). */
export interface CreateInput {
  parties: [string, string];
  virtualNumber?: string;
  pool?: string;
  expiresAt?: number;
  idleTtl?: number;
  ref?: string;
  record?: boolean;
  subAccountId?: string;
  pin?: string;
}

export interface PatchInput {
  /** null: no absolute end any more. */
  expiresAt?: number | null;
  idleTtl?: number | null;
  record?: boolean;
  close?: boolean;
}

/** A refusal the API turns into a 4xx naming the field. */
export interface Refusal {
  ok: false;
  /** 503: the store cannot take the write now (PostgreSQL down); nothing changed. */
  status: 404 | 409 | 503;
  code: string;
  message: string;
  field?: string;
  /** The store refused what memory allowed: another writer was first. */
  raced?: true;
}

export type CreateResult = { ok: true; session: Session; replay: boolean } | Refusal;
export type UpdateResult = { ok: true; session: Session } | Refusal;

export interface SessionsOptions {
  /** SQLite file; created on first start. */
  path?: string;
  /** Or another engine (PostgreSQL), already opened, with what it held when opened. */
  engine?: { engine: SessionsEngine; snapshot: SessionsSnapshot };
  /** How often the index catches up with the other routers' writes, when the engine has them (notifications come sooner). */
  catchUpEveryMs?: number;
  /** The pools of the rules now serving (they reload with the rules). */
  pools: () => ReadonlyMap<string, Pool> | undefined;
  /** Closed and expired sessions stay readable this long. */
  retentionMs?: number;
  /**
   * Under load, a commit starts at most this often (ms): writes arriving meanwhile wait and share
   * its one flush to disk. A write arriving when nothing is queued commits at once. 0: never wait.
   */
  commitEveryMs?: number;
  /** How often ended sessions are swept; 0: only when `sweep()` is called. */
  sweepEveryMs?: number;
  clock?: () => number;
  log?: Logger;
}

type Undo = () => void;

/** What a write does besides answering: how to take its memory changes back, and what it writes. */
interface Effects {
  undo: Undo[];
  ops: WriteOp[];
}

interface Job {
  run: (fx: Effects) => unknown;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

const DAY = 86_400_000;
/** Calls waiting for the store while it is down, at most; older ones are dropped first (their story only). */
const MAX_WAITING_CALLS = 50_000;

/** The longest cool-off of the pools: how far back ended sessions matter at start. */
export function coolOffOf(pools: ReadonlyMap<string, Pool> | undefined): number {
  // A loop, not Math.max(...): spreading every pool as arguments fails past ~100k pools.
  let longest = 0;
  for (const p of pools?.values() ?? []) longest = Math.max(longest, p.coolOffMs);
  return longest;
}
/**
 * A commit's flush to disk costs the writer ~135 µs of CPU whatever it holds, and each create
 * ~27 µs more (159 µs per create in commits of 1, 47 in commits of 8). Creates paced evenly at
 * 2,000/s committed 1–3 at a time, each as soon as the previous flush returned; waiting for up
 * to this long under load fills a commit with ~16 and cut the server's CPU per create by a fifth.
 */
const COMMIT_EVERY_MS = 8;
/** How long calls wait to be written to the session story (and the idle slide to the file). */
const CALLS_FLUSH_MS = 200;
/** Changes read from the store per step of a catch-up (a big import arrives in several steps, about 5 ms each). */
const CATCH_UP_BATCH = 500;

/**
 * Live masking sessions: the store (durable), the index (in memory, answers calls) and the
 * rules that join them. Writes are decided here, on the main thread, against the index; they
 * queue while the previous commit is on its way to the disk and then commit together, in a
 * writer thread (one flush to disk for all of them, and the calls are never kept waiting for
 * it). Each is answered only after its commit. The database's constraints check again there.
 */
export class Sessions {
  readonly index = new SessionIndex();
  private readonly engine: SessionsEngine;
  private readonly clock: () => number;
  private readonly log: Logger;
  private readonly retentionMs: number;
  private jobs: Job[] = [];
  private calls: { session: Session; call: SessionCall }[] = [];
  private flushing = false;
  private timer: NodeJS.Timeout | undefined;
  private rotation = 0;
  private lastPrune = 0;
  private closed: Promise<void> | undefined;
  /** The last write of the other routers the index has (engines with changesSince). */
  private seq: number;
  private catchUpWaiters: { resolve: (n: number) => void; reject: (e: unknown) => void }[] = [];
  private catchUpTimer: NodeJS.Timeout | undefined;
  private kicked = false;
  private readonly commitEveryMs: number;
  /** When the last commit (or catch-up) started. */
  private lastFlushAt = -Infinity;
  /** The next commit, when it waits for commitEveryMs (close() starts it at once). */
  private pacedFlush: NodeJS.Timeout | undefined;
  /** Why the store is not taking writes, since the last failure; undefined: it is. */
  private problem: string | undefined;
  private droppedCalls = 0;
  private storyInFlight: Promise<void> | undefined;

  constructor(private readonly options: SessionsOptions) {
    this.clock = options.clock ?? (() => Date.now());
    this.log = options.log ?? silentLogger;
    this.retentionMs = options.retentionMs ?? 30 * DAY;
    this.commitEveryMs = options.commitEveryMs ?? COMMIT_EVERY_MS;
    const now = this.clock();
    const coolOff = coolOffOf(options.pools());
    let snapshot: SessionsSnapshot;
    if (options.engine) ({ engine: this.engine, snapshot } = options.engine);
    else {
      if (!options.path) throw new Error('Sessions needs a path or an engine');
      const sqlite = new SqliteEngine(options.path);
      this.engine = sqlite;
      snapshot = sqlite.snapshot(coolOff > 0 ? now - coolOff : undefined);
    }
    for (const s of snapshot.open) this.index.add(s);
    for (const e of snapshot.recentlyEnded) for (const p of e.parties) this.index.noteEnded(p, e.virtualNumber, e.at);
    this.seq = snapshot.seq;
    if (options.sweepEveryMs) {
      this.timer = setInterval(() => void this.sweep().catch((e) => this.log({ level: 'error', msg: 'sessions-sweep-failed', error: String(e) })), options.sweepEveryMs);
      this.timer.unref();
    }
    const catchUp = () => void this.catchUp().catch((e) => this.log({ level: 'warn', msg: 'sessions-catch-up-failed', error: e instanceof Error ? e.message : String(e) }));
    if (options.catchUpEveryMs) {
      this.catchUpTimer = setInterval(catchUp, options.catchUpEveryMs);
      this.catchUpTimer.unref();
    }
    this.engine.watch?.(catchUp);
  }

  /** `degraded` while the store cannot take writes: calls still route from memory, the API answers 503. */
  health(): { store: string; state: 'ok' | 'degraded'; reason?: string; droppedCalls: number } {
    return { store: this.engine.describe, state: this.problem ? 'degraded' : 'ok', ...(this.problem ? { reason: this.problem } : {}), droppedCalls: this.droppedCalls };
  }

  /** What the engine asks on each call. */
  get lookup(): SessionLookup {
    return this.index;
  }

  get openCount(): number {
    return this.index.size;
  }

  /** `requestHash`: of the request body, so that a retry with the same `ref` is recognised; needed only with a ref. */
  async create(input: CreateInput, requestHash?: string): Promise<CreateResult> {
    try {
      const first = await this.enqueue((fx) => this.createNow(input, requestHash, fx));
      if (first.ok || !first.raced) return first;
      // Another writer got there first and memory had not heard yet: learn what it wrote and
      // decide again, so a retry with the same ref is recognised and a pool gives another number.
      await this.catchUp();
      const second = await this.enqueue((fx) => this.createNow(input, requestHash, fx));
      if (!second.ok) delete second.raced;
      return second;
    } catch (e) {
      return unavailable(e);
    }
  }

  async update(id: string, patch: PatchInput): Promise<UpdateResult> {
    try {
      const result = await this.enqueue((fx) => this.updateNow(id, patch, fx));
      if (result !== 'not-in-memory') return result;
      // Not open here: ended (or never was). Nothing to write, only to tell.
      const stored = await this.engine.get(id);
      if (!stored) return { ok: false, status: 404, code: 'session-not-found', message: `there is no session ${id}` };
      if (patch.close) return { ok: true, session: stored };
      return { ok: false, status: 409, code: 'session-ended', field: 'status', message: `session ${id} is ${stored.status}: create a new one` };
    } catch (e) {
      return unavailable(e);
    }
  }

  /** Rejects with StoreUnavailable when the session is not in memory and the store cannot be read. */
  async get(id: string): Promise<Session | undefined> {
    return this.index.get(id) ?? (await this.engine.get(id));
  }

  /** A page, newest first; open sessions as memory knows them (their last call may not be written yet). */
  async list(q: ListQuery): Promise<Session[]> {
    return (await this.engine.list(q)).map((s) => this.index.get(s.id) ?? s);
  }

  async callsOf(id: string, limit?: number): Promise<SessionCall[]> {
    await this.flushCalls();
    return this.engine.calls(id, limit);
  }

  /** A call went through the session: slide its idle expiry now, write it down soon (off the call's path). */
  noteCall(sessionId: string, call: SessionCall): void {
    const s = this.index.get(sessionId);
    if (!s) return;
    if (call.at > s.lastActivityAt) {
      s.lastActivityAt = call.at;
      this.index.refresh(s);
    }
    this.calls.push({ session: s, call });
    // Written in batches a little later: a flush to disk per call would stall the calls.
    if (this.calls.length === 1) setTimeout(() => void this.flushCalls(), CALLS_FLUSH_MS).unref();
  }

  /** Ends every open session whose time is up; deletes ended ones past the retention. */
  async sweep(): Promise<number> {
    // With several routers, one sweeps at a time; the others learn of the ends by catching up.
    if (!(await this.engine.maySweep())) return 0;
    const due = await this.engine.dueIds(this.clock(), 5000);
    const expired = await this.enqueue((fx) => {
      const now = this.clock();
      let n = 0;
      for (const id of due) {
        const s = this.index.get(id);
        if (s && !isLive(s, now)) {
          this.end(s, 'expired', now, fx);
          n++;
        }
      }
      if (now - this.lastPrune > 60_000) {
        this.lastPrune = now;
        fx.ops.push({ op: 'prune', before: now - this.retentionMs });
      }
      // Every sweep, not once a minute: it pops only the marks that aged out since the last one.
      this.index.forgetEndedBefore(now - coolOffOf(this.options.pools()));
      return n;
    });
    if (expired > 0) this.log({ level: 'debug', msg: 'sessions-expired', count: expired });
    return expired;
  }

  /** Waits for the writes in flight, then closes the file. */
  async close(): Promise<void> {
    if (this.closed) return this.closed;
    this.closed = (async () => {
      if (this.timer) clearInterval(this.timer);
      if (this.catchUpTimer) clearInterval(this.catchUpTimer);
      // Writes waiting for a paced commit go now.
      if (this.pacedFlush) {
        clearTimeout(this.pacedFlush);
        this.pacedFlush = undefined;
        this.kicked = false;
        this.kick();
      }
      while (this.flushing || this.jobs.length > 0 || this.catchUpWaiters.length > 0) await new Promise((r) => setImmediate(r));
      await this.flushCalls();
      await this.engine.close();
    })();
    return this.closed;
  }

  private createNow(input: CreateInput, requestHash: string | undefined, fx: Effects): CreateResult {
    const now = this.clock();
    if (input.ref) {
      const same = this.index.openRef(input.ref);
      if (same && !isLive(same, now)) this.end(same, 'expired', now, fx);
      else if (same) {
        if (same.requestHash === requestHash) return { ok: true, session: same, replay: true };
        return { ok: false, status: 409, code: 'ref-in-use', field: 'ref', message: `ref "${input.ref}" belongs to open session ${same.id} with other details: close it first, or use another ref` };
      }
    }
    let virtualNumber = input.virtualNumber;
    if (!virtualNumber) {
      const pool = this.options.pools()?.get(input.pool!);
      if (!pool) {
        const names = [...(this.options.pools()?.keys() ?? [])];
        return {
          ok: false,
          status: 409,
          code: 'unknown-pool',
          field: 'pool',
          message: `there is no pool "${input.pool}"${names.length ? `: the pools are ${names.join(', ')}` : ': declare it in pools.yaml in the rules folder'}`,
        };
      }
      // Only when the pool has countries to prefer (a shared calling code costs a parse).
      const country = poolHasCountries(pool) ? countryOf(input.parties[0]) : undefined;
      const picked = allocateNumber(pool, input.parties, this.index, now, { ...(country ? { country } : {}), ...(input.pin ? { pin: input.pin } : {}), start: this.rotation++ });
      if (!picked.number) {
        return {
          ok: false,
          status: 409,
          code: 'pool-exhausted',
          field: 'parties',
          message: `pool "${pool.name}" has no number free for ${picked.blockedBy}: every number is in an open session (or cooling off) with a party of this session; close a session or add numbers to the pool`,
        };
      }
      virtualNumber = picked.number.number;
    }
    // Sessions whose time is up but that are not swept yet must not block the new one.
    for (const p of input.parties) {
      const open = this.index.onNumber(p, virtualNumber);
      if (!open) continue;
      if (!isLive(open, now)) this.end(open, 'expired', now, fx);
      else return { ok: false, status: 409, code: 'party-busy', field: 'parties', message: `${p} already has open session ${open.id} on ${virtualNumber}: close it first, or use another number` };
    }
    if (input.pin) {
      const pinned = this.index.byPin(virtualNumber, input.pin, now);
      if (pinned) return { ok: false, status: 409, code: 'pin-in-use', field: 'pin', message: `pin ${input.pin} is used by open session ${pinned.sessionId} on ${virtualNumber}: choose another pin` };
    }
    const session: Session = {
      id: newSessionId(),
      status: 'open',
      virtualNumber,
      ...(input.virtualNumber ? {} : { pool: input.pool! }),
      parties: input.parties,
      ...(input.expiresAt === undefined ? {} : { expiresAt: input.expiresAt }),
      ...(input.idleTtl === undefined ? {} : { idleTtl: input.idleTtl }),
      lastActivityAt: now,
      ...(input.ref ? { ref: input.ref } : {}),
      ...(input.record === undefined ? {} : { record: input.record }),
      ...(input.subAccountId ? { subAccountId: input.subAccountId } : {}),
      ...(input.pin ? { pin: input.pin } : {}),
      createdAt: now,
      ...(requestHash ? { requestHash } : {}),
    };
    fx.ops.push({ op: 'insert', session: { ...session } });
    this.index.add(session);
    fx.undo.push(() => this.index.remove(session, now));
    return { ok: true, session, replay: false };
  }

  private updateNow(id: string, patch: PatchInput, fx: Effects): UpdateResult | 'not-in-memory' {
    const now = this.clock();
    const s = this.index.get(id);
    if (!s) return 'not-in-memory';
    if (!isLive(s, now)) {
      this.end(s, 'expired', now, fx);
      if (patch.close) return { ok: true, session: s };
      return { ok: false, status: 409, code: 'session-ended', field: 'status', message: `session ${id} has expired: create a new one` };
    }
    if (patch.close) {
      this.end(s, 'closed', now, fx);
      return { ok: true, session: s };
    }
    const before = { ...s };
    if (patch.expiresAt === null) delete s.expiresAt;
    else if (patch.expiresAt !== undefined) s.expiresAt = patch.expiresAt;
    if (patch.idleTtl === null) delete s.idleTtl;
    else if (patch.idleTtl !== undefined) {
      s.idleTtl = patch.idleTtl;
      s.lastActivityAt = now;
    }
    if (patch.record !== undefined) s.record = patch.record;
    this.index.refresh(s);
    fx.undo.push(() => {
      restore(s, before);
      this.index.refresh(s);
    });
    fx.ops.push({ op: 'update', session: { ...s } });
    return { ok: true, session: s };
  }

  private end(s: Session, status: 'closed' | 'expired', at: number, fx: Effects): void {
    const before = { ...s };
    s.status = status;
    s.closedAt = at;
    fx.ops.push({ op: 'update', session: { ...s } });
    this.index.remove(s, at);
    fx.undo.push(() => {
      restore(s, before);
      this.index.add(s);
    });
  }

  private enqueue<T>(run: (fx: Effects) => T): Promise<T> {
    if (this.closed) return Promise.reject(new Error('the sessions store is closed'));
    return new Promise<T>((resolve, reject) => {
      this.jobs.push({ run, resolve: resolve as (v: unknown) => void, reject });
      this.kick();
    });
  }

  /** The next flush once `commitEveryMs` has passed since the last one started. */
  private kickLater(): void {
    const wait = this.lastFlushAt + this.commitEveryMs - performance.now();
    if (wait < 1 || this.closed) return this.kick();
    if (this.kicked) return;
    this.kicked = true;
    // Whole milliseconds: Node keeps a timer list per distinct duration.
    this.pacedFlush = setTimeout(() => {
      this.pacedFlush = undefined;
      this.kicked = false;
      void this.flush();
    }, Math.ceil(wait));
  }

  private kick(): void {
    if (this.flushing || this.kicked) return;
    this.kicked = true;
    setImmediate(() => {
      this.kicked = false;
      void this.flush();
    });
  }

  /**
   * Brings memory in step with the writes made elsewhere (another router on the same PostgreSQL,
   * another process on the same file, an import): sessions they opened start routing, those they
   * closed stop. Our own writes come back too and change nothing. Cheap when nothing changed:
   * one indexed read. Resolves with the number of changes read.
   */
  catchUp(): Promise<number> {
    if (this.closed) return Promise.resolve(0);
    return new Promise<number>((resolve, reject) => {
      this.catchUpWaiters.push({ resolve, reject });
      this.kick();
    });
  }

  /** A catch-up if one is asked for, then every queued write in one commit (one flush to disk), then every answer. */
  private async flush(): Promise<void> {
    if (this.flushing) return;
    const jobs = this.jobs;
    this.jobs = [];
    const waiters = this.catchUpWaiters;
    this.catchUpWaiters = [];
    if (jobs.length === 0 && waiters.length === 0) return;
    this.flushing = true;
    this.lastFlushAt = performance.now();
    try {
      // Between commits: memory is exactly what the store had after our last one.
      if (waiters.length > 0) {
        try {
          const n = await this.applyChanges();
          this.problem = undefined;
          for (const w of waiters) w.resolve(n);
        } catch (e) {
          if (e instanceof StoreUnavailable) this.problem = e.message;
          for (const w of waiters) w.reject(e);
        }
      }
      if (jobs.length > 0) await this.commitJobs(jobs);
    } finally {
      this.flushing = false;
      // Writes that arrived during this commit: a sign of load. The next commit waits for more to join it.
      if (this.jobs.length > 0 || this.catchUpWaiters.length > 0) this.kickLater();
    }
  }

  private async commitJobs(jobs: Job[]): Promise<void> {
    const decided = jobs.map((job) => {
      const fx: Effects = { undo: [], ops: [] };
      try {
        return { job, fx, ok: true as const, value: job.run(fx) };
      } catch (e) {
        for (const u of fx.undo.reverse()) u();
        return { job, fx, ok: false as const, value: e };
      }
    });
    const writing = decided.filter((d) => d.ok && d.fx.ops.length > 0);
    let results;
    try {
      const committed = writing.length > 0 ? await this.engine.commit(writing.map((d) => d.fx.ops)) : { results: [] };
      results = committed.results;
      // Nobody else wrote since the last catch-up: memory has this commit already, and the next
      // catch-up need not read it back (at 2,000 creates/s that was 1,000 rows every 500 ms, read on the calls' thread).
      if (committed.seqs?.before === this.seq) this.seq = committed.seqs.after;
    } catch (e) {
      // Nothing was committed: memory goes back to what the disk says.
      for (const d of [...decided].reverse()) if (d.ok) for (const u of d.fx.undo.reverse()) u();
      this.log({ level: 'error', msg: 'sessions-commit-failed', error: e instanceof Error ? e.message : String(e) });
      if (e instanceof StoreUnavailable) this.problem = e.message;
      for (const d of decided) d.job.reject(e);
      return;
    }
    if (writing.length > 0) this.problem = undefined;
    writing.forEach((d, i) => {
      const r = results[i]!;
      if (r.ok) return;
      for (const u of d.fx.undo.reverse()) u();
      // The database holds the uniqueness rule even if memory and disk ever disagree.
      d.value = r.conflict ? conflictRefusal(r.conflict, r.message) : new Error(r.message);
      if (!r.conflict) (d as { ok: boolean }).ok = false;
    });
    for (const d of decided) (d.ok ? d.job.resolve : d.job.reject)(d.value);
  }

  /** Writes the calls noted so far; resolves once they (and any write of calls already on its way) are in the store. */
  private async flushCalls(): Promise<void> {
    // A read of the story right after a call must see it, also when the timer's write is still on its way.
    while (this.storyInFlight) await this.storyInFlight;
    const calls = this.calls;
    if (calls.length === 0) return;
    this.calls = [];
    const writing = this.writeStory(calls);
    this.storyInFlight = writing;
    try {
      await writing;
    } finally {
      if (this.storyInFlight === writing) this.storyInFlight = undefined;
    }
  }

  private async writeStory(calls: { session: Session; call: SessionCall }[]): Promise<void> {
    try {
      await this.engine.story(calls.map(({ session, call }) => ({ session: { ...session }, call })));
      this.problem = undefined;
    } catch (e) {
      this.log({ level: 'error', msg: 'sessions-calls-write-failed', count: calls.length, error: e instanceof Error ? e.message : String(e) });
      if (!(e instanceof StoreUnavailable) || this.closed) return;
      // The store is down: the calls wait (bounded) and go in when it is back.
      this.problem = e.message;
      this.calls = [...calls, ...this.calls];
      const over = this.calls.length - MAX_WAITING_CALLS;
      if (over > 0) {
        this.calls.splice(0, over);
        this.droppedCalls += over;
      }
      setTimeout(() => void this.flushCalls(), 1000).unref();
    }
  }

  private async applyChanges(): Promise<number> {
    let total = 0;
    for (;;) {
      const changes = await this.engine.changesSince(this.seq, CATCH_UP_BATCH);
      for (const c of changes) {
        this.follow(c.session);
        this.seq = c.seq;
      }
      total += changes.length;
      if (changes.length < CATCH_UP_BATCH) break;
      // Calls between steps: SQLite reads without waiting, so a big import would otherwise be read in one block.
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (total > 0) this.log({ level: 'debug', msg: 'sessions-caught-up', changes: total, seq: this.seq });
    return total;
  }

  /** A session as the store now has it: memory follows (our own writes come back too, and change nothing). */
  private follow(row: Session): void {
    const s = this.index.get(row.id);
    if (row.status === 'open') {
      if (!s) return this.index.add(row);
      // Our own write coming back (the usual case): nothing to do.
      if (s.expiresAt === row.expiresAt && s.idleTtl === row.idleTtl && s.record === row.record && s.lastActivityAt >= row.lastActivityAt) return;
      // Changed elsewhere (extended, record switched): take its terms, keep our latest call.
      const lastActivityAt = Math.max(s.lastActivityAt, row.lastActivityAt);
      this.index.remove(s, this.clock());
      restore(s, { ...row, lastActivityAt });
      this.index.add(s);
      return;
    }
    const at = row.closedAt ?? this.clock();
    if (s) this.index.remove(s, at);
    else for (const p of row.parties) this.index.noteEnded(p, row.virtualNumber, at);
  }
}

function conflictRefusal(conflict: 'party' | 'ref' | 'pin' | 'ended', message: string): Refusal {
  if (conflict === 'ended') return { ok: false, status: 409, code: 'session-ended', field: 'status', message, raced: true };
  return { ok: false, status: 409, code: conflict === 'party' ? 'party-busy' : `${conflict}-in-use`, field: conflict === 'party' ? 'parties' : conflict, message, raced: true };
}

/** The store being down is an answer (503), not a crash. */
function unavailable(e: unknown): Refusal {
  if (e instanceof StoreUnavailable) return { ok: false, status: 503, code: 'sessions-store-unavailable', message: e.message };
  throw e;
}

/** Random bytes drawn in blocks: one call to the system's generator per 340 ids, not per id. */
let idBytes = Buffer.alloc(0);
let idAt = 0;
function newSessionId(): string {
  if (idAt + 12 > idBytes.length) {
    idBytes = randomBytes(4096);
    idAt = 0;
  }
  idAt += 12;
  return `ses_${idBytes.toString('hex', idAt - 12, idAt)}`;
}

/** Puts `target` back as `snapshot` was, removing keys added since. */
function restore<T extends object>(target: T, snapshot: T): void {
  for (const k of Object.keys(target)) if (!(k in snapshot)) delete (target as Record<string, unknown>)[k];
  Object.assign(target, snapshot);
}

/** The same request body gives the same hash, whatever the order of its keys. */
export function requestHash(body: unknown): string {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canonical)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.entries(v)
              .sort(([a], [b]) => (a < b ? -1 : 1))
              .map(([k, x]) => [k, canonical(x)]),
          )
        : v;
  return createHash('sha256')
    .update(JSON.stringify(canonical(body)))
    .digest('hex')
    .slice(0, 32);
}

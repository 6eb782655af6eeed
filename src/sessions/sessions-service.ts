import { createHash, randomBytes } from 'node:crypto';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { Pool } from '../engine/pool.js';
import type { SessionLookup } from '../engine/session-lookup.js';
import type { Logger } from '../log/logger.js';
import { silentLogger } from '../log/logger.js';
import { allocateNumber, poolHasCountries } from './allocate.js';
import { isLive, type Session } from './session.js';
import { SessionIndex } from './session-index.js';
import { SessionStore, type ListQuery, type SessionCall, type SessionChanges } from './session-store.js';
import { StoreWriter, type WriteOp } from './store-writer.js';

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
  status: 404 | 409;
  code: string;
  message: string;
  field?: string;
}

export type CreateResult = { ok: true; session: Session; replay: boolean } | Refusal;
export type UpdateResult = { ok: true; session: Session } | Refusal;

export interface SessionsOptions {
  /** SQLite file; created on first start. */
  path: string;
  /** The pools of the rules now serving (they reload with the rules). */
  pools: () => ReadonlyMap<string, Pool> | undefined;
  /** Closed and expired sessions stay readable this long. */
  retentionMs?: number;
  /** How often ended sessions are swept; 0: only when `sweep()` is called. */
  sweepEveryMs?: number;
  /** How often to look for writes made by other processes (an import); 0: only when `catchUp()` is called. */
  catchUpEveryMs?: number;
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
  /** Runs before the other jobs of its batch, while memory is exactly what the disk says. */
  first?: boolean;
  run: (fx: Effects) => unknown;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

const DAY = 86_400_000;
/** How long calls wait to be written to the session story (and the idle slide to the file). */
const CALLS_FLUSH_MS = 200;
/** Changes read from the store per step of a catch-up (a big import arrives in several steps). */
const CATCH_UP_BATCH = 2000;

/**
 * Live masking sessions: the store (durable), the index (in memory, answers calls) and the
 * rules that join them. Writes are decided here, on the main thread, against the index; they
 * queue while the previous commit is on its way to the disk and then commit together, in a
 * writer thread (one flush to disk for all of them, and the calls are never kept waiting for
 * it). Each is answered only after its commit. The database's constraints check again there.
 */
export class Sessions {
  readonly index = new SessionIndex();
  /** Reads on this thread; the writer thread owns the writes. */
  private readonly store: SessionStore;
  /** What the catch-up reads: only this interface, so that another store (PostgreSQL) can answer it. */
  private readonly changes: SessionChanges;
  private readonly writer: StoreWriter;
  private readonly clock: () => number;
  private readonly log: Logger;
  private readonly retentionMs: number;
  private jobs: Job[] = [];
  private calls: { session: Session; call: SessionCall }[] = [];
  private flushing = false;
  private timer: NodeJS.Timeout | undefined;
  private catchUpTimer: NodeJS.Timeout | undefined;
  /** The last write of the change sequence that memory has seen. */
  private seenSeq: number;
  private rotation = 0;
  private lastPrune = 0;
  private closed: Promise<void> | undefined;

  constructor(private readonly options: SessionsOptions) {
    this.clock = options.clock ?? (() => Date.now());
    this.log = options.log ?? silentLogger;
    this.retentionMs = options.retentionMs ?? 30 * DAY;
    this.store = new SessionStore(options.path); // creates and migrates the file first
    this.changes = this.store;
    this.writer = new StoreWriter(options.path);
    const now = this.clock();
    // The sequence first: a write landing between the two reads is seen again by the catch-up, never missed.
    this.seenSeq = this.changes.lastSeq();
    for (const s of this.store.allOpen()) this.index.add(s);
    const coolOff = Math.max(0, ...[...(options.pools()?.values() ?? [])].map((p) => p.coolOffMs));
    if (coolOff > 0) for (const e of this.store.recentlyEnded(now - coolOff)) for (const p of e.parties) this.index.noteEnded(p, e.virtualNumber, e.at);
    if (options.sweepEveryMs) {
      this.timer = setInterval(() => void this.sweep().catch((e) => this.log({ level: 'error', msg: 'sessions-sweep-failed', error: String(e) })), options.sweepEveryMs);
      this.timer.unref();
    }
    if (options.catchUpEveryMs) {
      this.catchUpTimer = setInterval(() => void this.catchUp().catch((e) => this.log({ level: 'error', msg: 'sessions-catch-up-failed', error: String(e) })), options.catchUpEveryMs);
      this.catchUpTimer.unref();
    }
  }

  /** What the engine asks on each call. */
  get lookup(): SessionLookup {
    return this.index;
  }

  get openCount(): number {
    return this.index.size;
  }

  /** `requestHash`: of the request body, so that a retry with the same `ref` is recognised; needed only with a ref. */
  create(input: CreateInput, requestHash?: string): Promise<CreateResult> {
    return this.enqueue((fx) => this.createNow(input, requestHash, fx));
  }

  update(id: string, patch: PatchInput): Promise<UpdateResult> {
    return this.enqueue((fx) => this.updateNow(id, patch, fx));
  }

  get(id: string): Session | undefined {
    return this.index.get(id) ?? this.store.get(id);
  }

  /** A page, newest first; open sessions as memory knows them (their last call may not be written yet). */
  list(q: ListQuery): Session[] {
    return this.store.list(q).map((s) => this.index.get(s.id) ?? s);
  }

  async callsOf(id: string, limit?: number): Promise<SessionCall[]> {
    await this.flushCalls();
    return this.store.calls(id, limit);
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
    const expired = await this.enqueue((fx) => {
      const now = this.clock();
      let n = 0;
      for (const id of this.store.dueIds(now, 5000)) {
        const s = this.index.get(id);
        if (s && !isLive(s, now)) {
          this.end(s, 'expired', now, fx);
          n++;
        }
      }
      if (now - this.lastPrune > 60_000) {
        this.lastPrune = now;
        fx.ops.push({ op: 'prune', before: now - this.retentionMs });
        this.index.forgetEndedBefore(now - Math.max(0, ...[...(this.options.pools()?.values() ?? [])].map((p) => p.coolOffMs)));
      }
      return n;
    });
    if (expired > 0) this.log({ level: 'debug', msg: 'sessions-expired', count: expired });
    return expired;
  }

  /**
   * Brings memory in step with writes made by other processes on the same file (an import, for
   * instance): sessions they opened start routing, those they closed stop. Our own writes come
   * back too and change nothing. Cheap when nothing changed: one indexed read.
   */
  async catchUp(): Promise<number> {
    let total = 0;
    for (;;) {
      const applied = await this.enqueue(() => this.applyChanges(), true);
      total += applied;
      if (applied < CATCH_UP_BATCH) return total;
    }
  }

  private applyChanges(): number {
    const changes = this.changes.changesSince(this.seenSeq, CATCH_UP_BATCH);
    for (const { seq, session } of changes) {
      this.seenSeq = seq;
      const mine = this.index.get(session.id);
      if (session.status !== 'open') {
        if (mine) this.index.remove(mine, session.closedAt ?? this.clock());
        continue;
      }
      if (mine) {
        // Our own write coming back (the usual case): nothing to do.
        if (mine.expiresAt === session.expiresAt && mine.idleTtl === session.idleTtl && mine.record === session.record && mine.lastActivityAt >= session.lastActivityAt) continue;
        // Changed elsewhere (extended, record switched): take its terms, keep our latest call.
        const lastActivityAt = Math.max(mine.lastActivityAt, session.lastActivityAt);
        this.index.remove(mine, this.clock());
        restore(mine, { ...session, lastActivityAt });
        this.index.add(mine);
      } else this.index.add(session);
    }
    if (changes.length > 0) this.log({ level: 'debug', msg: 'sessions-caught-up', changes: changes.length, seq: this.seenSeq });
    return changes.length;
  }

  /** Waits for the writes in flight, then closes the file. */
  async close(): Promise<void> {
    if (this.closed) return this.closed;
    this.closed = (async () => {
      if (this.timer) clearInterval(this.timer);
      if (this.catchUpTimer) clearInterval(this.catchUpTimer);
      while (this.flushing || this.jobs.length > 0) await new Promise((r) => setImmediate(r));
      await this.flushCalls();
      await this.writer.close();
      this.store.close();
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
        return { ok: false, status: 409, code: 'unknown-pool', field: 'pool', message: `there is no pool "${input.pool}"${names.length ? `: the pools are ${names.join(', ')}` : ': declare it in pools.yaml in the rules folder'}` };
      }
      // Parsing a number costs more than the rest of a create: only when the pool has countries to prefer.
      const country = poolHasCountries(pool) ? parsePhoneNumberFromString(input.parties[0])?.country : undefined;
      const picked = allocateNumber(pool, input.parties, this.index, now, { ...(country ? { country } : {}), ...(input.pin ? { pin: input.pin } : {}), start: this.rotation++ });
      if (!picked.number) {
        return { ok: false, status: 409, code: 'pool-exhausted', field: 'parties', message: `pool "${pool.name}" has no number free for ${picked.blockedBy}: every number is in an open session (or cooling off) with a party of this session; close a session or add numbers to the pool` };
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

  private updateNow(id: string, patch: PatchInput, fx: Effects): UpdateResult {
    const now = this.clock();
    const s = this.index.get(id);
    if (!s) {
      const stored = this.store.get(id);
      if (!stored) return { ok: false, status: 404, code: 'session-not-found', message: `there is no session ${id}` };
      if (patch.close) return { ok: true, session: stored };
      return { ok: false, status: 409, code: 'session-ended', field: 'status', message: `session ${id} is ${stored.status}: create a new one` };
    }
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

  private enqueue<T>(run: (fx: Effects) => T, first = false): Promise<T> {
    if (this.closed) return Promise.reject(new Error('the sessions store is closed'));
    return new Promise<T>((resolve, reject) => {
      this.jobs.push({ run, resolve: resolve as (v: unknown) => void, reject, ...(first ? { first } : {}) });
      if (this.jobs.length === 1 && !this.flushing) setImmediate(() => void this.flush());
    });
  }

  /** Every queued write in one commit (one flush to disk), then every answer. */
  private async flush(): Promise<void> {
    // Catch-ups first: no write of this batch has touched memory yet, and every earlier one is on disk.
    const jobs = [...this.jobs.filter((j) => j.first), ...this.jobs.filter((j) => !j.first)];
    this.jobs = [];
    if (jobs.length === 0) return;
    this.flushing = true;
    try {
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
        results = writing.length > 0 ? await this.writer.commit(writing.map((d) => d.fx.ops)) : [];
      } catch (e) {
        // Nothing was committed: memory goes back to what the disk says.
        for (const d of [...decided].reverse()) if (d.ok) for (const u of d.fx.undo.reverse()) u();
        this.log({ level: 'error', msg: 'sessions-commit-failed', error: e instanceof Error ? e.message : String(e) });
        for (const d of decided) d.job.reject(e);
        return;
      }
      writing.forEach((d, i) => {
        const r = results[i]!;
        if (r.ok) return;
        for (const u of d.fx.undo.reverse()) u();
        // The database holds the uniqueness rule even if memory and disk ever disagree.
        d.value = r.conflict
          ? ({ ok: false, status: 409, code: r.conflict === 'party' ? 'party-busy' : `${r.conflict}-in-use`, field: r.conflict === 'party' ? 'parties' : r.conflict, message: r.message } satisfies Refusal)
          : new Error(r.message);
        if (!r.conflict) (d as { ok: boolean }).ok = false;
      });
      for (const d of decided) (d.ok ? d.job.resolve : d.job.reject)(d.value);
    } finally {
      this.flushing = false;
      if (this.jobs.length > 0) setImmediate(() => void this.flush());
    }
  }

  private async flushCalls(): Promise<void> {
    const calls = this.calls;
    if (calls.length === 0) return;
    this.calls = [];
    try {
      await this.writer.story(calls.map(({ session, call }) => ({ session: { ...session }, call })));
    } catch (e) {
      this.log({ level: 'error', msg: 'sessions-calls-write-failed', count: calls.length, error: e instanceof Error ? e.message : String(e) });
    }
  }
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
    Array.isArray(v) ? v.map(canonical) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, x]) => [k, canonical(x)])) : v;
  return createHash('sha256').update(JSON.stringify(canonical(body))).digest('hex').slice(0, 32);
}

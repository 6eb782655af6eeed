import type { SessionByPin, SessionLookup, SessionPeer } from '../engine/session-lookup.js';
import { CallTable, numberKey, RECORD_OFF, RECORD_ON, RECORD_UNSET } from './call-table.js';
import { endsAt, isLive, type Session } from './session.js';

const key = (a: string, b: string) => `${a}\u0000${b}`;

function inner(outer: Map<string, Map<string, Session>>, k: string): Map<string, Session> {
  let m = outer.get(k);
  if (!m) outer.set(k, (m = new Map()));
  return m;
}

const recordOf = (s: Session) => (s.record === undefined ? RECORD_UNSET : s.record ? RECORD_ON : RECORD_OFF);
const endOf = (s: Session) => endsAt(s) ?? Number.POSITIVE_INFINITY;

/**
 * The open sessions in memory, kept in step with the store: every call is answered from here,
 * never from the disk, and costs the same among 10 or 1,000,000 sessions: the call's question
 * is answered from a flat table (call-table.ts) without visiting a Session object.
 *
 * Whoever changes a session's end or `record` in place calls `refresh` after.
 */
export class SessionIndex implements SessionLookup {
  private readonly byId = new Map<string, Session>();
  private readonly calls = new CallTable();
  /**
   * Row r → [session id, party A, party B] at 3r, 3r + 1, 3r + 2: the strings a call's answer is
   * made of, side by side (one cache line), so answering reads no Session object.
   */
  private readonly strings: string[] = [];
  private readonly rows: (Session | undefined)[] = [];
  private readonly freeRows: number[] = [];
  /** Sessions whose numbers are not "+digits" (never from the API; a hand-written test might): party + number → session. */
  private readonly odd = new Map<string, Session>();
  /** Virtual number → pin → session. */
  private readonly byPinKey = new Map<string, Map<string, Session>>();
  private readonly byRef = new Map<string, Session>();
  /** Open sessions per virtual number, to spread load. */
  private readonly load = new Map<string, number>();
  /** (party, virtual number) → when their last session there ended, for the pool cool-off. */
  private readonly endedAt = new Map<string, number>();
  /**
   * The same marks as they were made, nearly in time order (ends are noted as they happen), from
   * `endedHead` on: forgetting old marks pops them from the front instead of walking every mark
   * (115 ms a minute at 1M marks). A mark made again later is in here twice; only its last counts.
   */
  private endedQueue: { k: string; at: number }[] = [];
  private endedHead = 0;

  get size(): number {
    return this.byId.size;
  }

  add(s: Session): void {
    this.byId.set(s.id, s);
    const vn = numberKey(s.virtualNumber);
    const [a, b] = [numberKey(s.parties[0]), numberKey(s.parties[1])];
    if (vn > 0 && a > 0 && b > 0) {
      const row = this.freeRows.pop() ?? this.rows.length;
      this.rows[row] = s;
      this.strings[3 * row] = s.id;
      this.strings[3 * row + 1] = s.parties[0];
      this.strings[3 * row + 2] = s.parties[1];
      const end = endOf(s);
      const record = recordOf(s);
      this.calls.put(a, vn, 2, end, row, record);
      this.calls.put(b, vn, 1, end, row, record);
    } else for (const p of s.parties) this.odd.set(key(p, s.virtualNumber), s);
    if (s.pin) inner(this.byPinKey, s.virtualNumber).set(s.pin, s);
    if (s.ref) this.byRef.set(s.ref, s);
    this.load.set(s.virtualNumber, (this.load.get(s.virtualNumber) ?? 0) + 1);
  }

  /** After a session's end or `record` changed in place (extended, idle slide, undone). */
  refresh(s: Session): void {
    if (this.byId.get(s.id) !== s) return;
    const vn = numberKey(s.virtualNumber);
    for (const p of s.parties) {
      const at = this.calls.find(numberKey(p), vn);
      if (at >= 0 && this.rows[this.calls.row(at)] === s) this.calls.setTerms(at, endOf(s), recordOf(s));
    }
  }

  /** Takes a session out (closed or expired), remembering when each party left the number. */
  remove(s: Session, at: number): void {
    if (this.byId.get(s.id) !== s) return;
    this.byId.delete(s.id);
    const vn = numberKey(s.virtualNumber);
    let row = -1;
    for (const p of s.parties) {
      const k = numberKey(p);
      const e = this.calls.find(k, vn);
      if (e >= 0 && this.rows[this.calls.row(e)] === s) {
        row = this.calls.row(e);
        this.calls.delete(k, vn);
      }
    }
    if (row >= 0) {
      this.rows[row] = undefined;
      this.strings.fill('', 3 * row, 3 * row + 3);
      this.freeRows.push(row);
    }
    for (const p of s.parties) {
      if (this.odd.get(key(p, s.virtualNumber)) === s) this.odd.delete(key(p, s.virtualNumber));
      this.markEnded(key(p, s.virtualNumber), at);
    }
    const pins = this.byPinKey.get(s.virtualNumber);
    if (s.pin && pins?.get(s.pin) === s) {
      pins.delete(s.pin);
      if (pins.size === 0) this.byPinKey.delete(s.virtualNumber);
    }
    if (s.ref && this.byRef.get(s.ref) === s) this.byRef.delete(s.ref);
    const n = (this.load.get(s.virtualNumber) ?? 1) - 1;
    if (n > 0) this.load.set(s.virtualNumber, n);
    else this.load.delete(s.virtualNumber);
  }

  get(id: string): Session | undefined {
    return this.byId.get(id);
  }

  openRef(ref: string): Session | undefined {
    return this.byRef.get(ref);
  }

  /** The party's open session on the number, live or past its end but not yet swept. */
  onNumber(party: string, virtualNumber: string): Session | undefined {
    return this.onNumberKeyed(party, numberKey(party), virtualNumber, numberKey(virtualNumber));
  }

  /** onNumber with both numbers' keys (numberKey) made by the caller: an allocation asks this of every candidate for the same two parties. */
  onNumberKeyed(party: string, partyKey: number, virtualNumber: string, virtualNumberKey: number): Session | undefined {
    const at = this.calls.find(partyKey, virtualNumberKey);
    if (at >= 0) return this.rows[this.calls.row(at)];
    return this.odd.size > 0 ? this.odd.get(key(party, virtualNumber)) : undefined;
  }

  loadOf(virtualNumber: string): number {
    return this.load.get(virtualNumber) ?? 0;
  }

  lastEnded(party: string, virtualNumber: string): number | undefined {
    return this.endedAt.get(key(party, virtualNumber));
  }

  noteEnded(party: string, virtualNumber: string, at: number): void {
    const k = key(party, virtualNumber);
    if ((this.endedAt.get(k) ?? 0) < at) this.markEnded(k, at);
  }

  /**
   * Forget cool-off marks older than `before`, so the map does not grow forever. A mark noted out
   * of order (a catch-up) may stay a little longer than `before`: it is too old to block anyone.
   */
  forgetEndedBefore(before: number): void {
    const queue = this.endedQueue;
    while (this.endedHead < queue.length && queue[this.endedHead]!.at < before) {
      const { k, at } = queue[this.endedHead++]!;
      if (this.endedAt.get(k) === at) this.endedAt.delete(k);
    }
    if (this.endedHead > 1024 && this.endedHead * 2 > queue.length) {
      this.endedQueue = queue.slice(this.endedHead);
      this.endedHead = 0;
    }
  }

  private markEnded(k: string, at: number): void {
    this.endedAt.set(k, at);
    this.endedQueue.push({ k, at });
  }

  otherParty(caller: string, virtualNumber: string, at: number): SessionPeer | undefined {
    const e = this.calls.find(numberKey(caller), numberKey(virtualNumber));
    if (e >= 0) {
      if (at >= this.calls.endsAt(e)) return undefined;
      const record = this.calls.record(e);
      const row = 3 * this.calls.row(e);
      const sessionId = this.strings[row]!;
      const peer = this.strings[row + this.calls.peer(e)]!;
      return record === RECORD_UNSET ? { sessionId, peer } : { sessionId, peer, record: record === RECORD_ON };
    }
    if (this.odd.size === 0) return undefined;
    const s = this.odd.get(key(caller, virtualNumber));
    if (!s || !isLive(s, at)) return undefined;
    const peer = s.parties[0] === caller ? s.parties[1] : s.parties[0];
    return { sessionId: s.id, peer, ...(s.record === undefined ? {} : { record: s.record }) };
  }

  byPin(virtualNumber: string, pin: string, at: number): SessionByPin | undefined {
    const s = this.byPinKey.get(virtualNumber)?.get(pin);
    if (!s || !isLive(s, at)) return undefined;
    return { sessionId: s.id, parties: s.parties, ...(s.record === undefined ? {} : { record: s.record }) };
  }
}

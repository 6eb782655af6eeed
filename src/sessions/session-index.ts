import type { SessionByPin, SessionLookup, SessionPeer } from '../engine/session-lookup.js';
import { isLive, type Session } from './session.js';

const key = (a: string, b: string) => `${a}\u0000${b}`;

function inner(outer: Map<string, Map<string, Session>>, k: string): Map<string, Session> {
  let m = outer.get(k);
  if (!m) outer.set(k, (m = new Map()));
  return m;
}

/**
 * The open sessions in memory, kept in step with the store: every call is answered from here
 * (two hash lookups, whatever the number of sessions), never from the disk.
 */
export class SessionIndex implements SessionLookup {
  private readonly byId = new Map<string, Session>();
  /**
   * Virtual number → party → session. Two levels rather than one map keyed by "party+number":
   * no key string is built per call, and each inner map is small enough to stay in the CPU
   * cache, so a lookup among 1,000,000 sessions costs what it costs among 10.
   */
  private readonly byParty = new Map<string, Map<string, Session>>();
  /** Virtual number → pin → session. */
  private readonly byPinKey = new Map<string, Map<string, Session>>();
  private readonly byRef = new Map<string, Session>();
  /** Open sessions per virtual number, to spread load. */
  private readonly load = new Map<string, number>();
  /** (party, virtual number) → when their last session there ended, for the pool cool-off. */
  private readonly endedAt = new Map<string, number>();

  get size(): number {
    return this.byId.size;
  }

  add(s: Session): void {
    this.byId.set(s.id, s);
    const parties = inner(this.byParty, s.virtualNumber);
    for (const p of s.parties) parties.set(p, s);
    if (s.pin) inner(this.byPinKey, s.virtualNumber).set(s.pin, s);
    if (s.ref) this.byRef.set(s.ref, s);
    this.load.set(s.virtualNumber, (this.load.get(s.virtualNumber) ?? 0) + 1);
  }

  /** Takes a session out (closed or expired), remembering when each party left the number. */
  remove(s: Session, at: number): void {
    if (this.byId.get(s.id) !== s) return;
    this.byId.delete(s.id);
    const parties = this.byParty.get(s.virtualNumber);
    for (const p of s.parties) {
      if (parties?.get(p) === s) parties.delete(p);
      this.endedAt.set(key(p, s.virtualNumber), at);
    }
    if (parties?.size === 0) this.byParty.delete(s.virtualNumber);
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
    return this.byParty.get(virtualNumber)?.get(party);
  }

  loadOf(virtualNumber: string): number {
    return this.load.get(virtualNumber) ?? 0;
  }

  lastEnded(party: string, virtualNumber: string): number | undefined {
    return this.endedAt.get(key(party, virtualNumber));
  }

  noteEnded(party: string, virtualNumber: string, at: number): void {
    const k = key(party, virtualNumber);
    if ((this.endedAt.get(k) ?? 0) < at) this.endedAt.set(k, at);
  }

  /** Forget cool-off marks older than `before`, so the map does not grow forever. */
  forgetEndedBefore(before: number): void {
    for (const [k, at] of this.endedAt) if (at < before) this.endedAt.delete(k);
  }

  otherParty(caller: string, virtualNumber: string, at: number): SessionPeer | undefined {
    const s = this.byParty.get(virtualNumber)?.get(caller);
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

import { E164_SHAPE } from './phone.js';

/** One side of a masking pair as a lookup returns it: who the caller is connected to, and until when. */
export interface PairEntry {
  peer: string;
  /** Epoch milliseconds; undefined means the pair does not expire. */
  expiresAt: number | undefined;
  /** Where the row is, for explanations. */
  file: string;
  line: number;
}

/**
 * Every caller's pair, keyed by virtual number and caller, in an open-addressing hash table
 * made of typed arrays: one probe or two per call however many rows there are, and a 100k-row
 * table is a few megabytes that a worker thread can hand over by copying memory, not by
 * rebuilding 200k objects. Phone numbers are stored as their digits in a double (E.164 has at
 * most 15 digits, well inside 2^53). A virtual number is 8x8's reference id (matched to
 * destinationRefId, key `ref:<id>`) or the number itself (matched to destination, `num:<+E.164>`).
 */
export interface PairIndex {
  /** Virtual-number key → its small integer id in the tables. */
  virtualNumbers: ReadonlyMap<string, number>;
  /** Hash slot → entry index + 1; 0 is an empty slot. Its length is a power of two. */
  slots: Int32Array;
  /** Per entry (two per pair, one for each party calling): */
  vn: Int32Array;
  caller: Float64Array;
  peer: Float64Array;
  /** NaN: the pair does not expire. */
  expiresAt: Float64Array;
  line: Int32Array;
  file: Int32Array;
  files: readonly string[];
  /** How many entries are filled (two per pair). */
  size: number;
}

export function refKey(refId: string): string {
  return `ref:${refId}`;
}

export function numberKey(number: string): string {
  return `num:${number}`;
}

/** "+6591234567" → 6591234567; undefined for anything that is not E.164. */
export function phoneDigits(number: string): number | undefined {
  return E164_SHAPE.test(number) ? Number(number.slice(1)) : undefined;
}

function slotOf(vn: number, caller: number, mask: number): number {
  let h = Math.imul((caller % 0x100000000) ^ Math.imul(Math.floor(caller / 0x100000000), 0x9e3779b1) ^ Math.imul(vn + 1, 0x85ebca6b), 0xc2b2ae35);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return h & mask;
}

/** The entry index of (vn, caller), or -1. */
function findEntry(index: PairIndex, vn: number, caller: number): number {
  const mask = index.slots.length - 1;
  for (let s = slotOf(vn, caller, mask); ; s = (s + 1) & mask) {
    const e = index.slots[s]! - 1;
    if (e < 0) return -1;
    if (index.vn[e] === vn && index.caller[e] === caller) return e;
  }
}

/** A table sized for `entries` entries, filled with `add`. */
export class PairIndexBuilder {
  private readonly index: PairIndex & { virtualNumbers: Map<string, number>; files: string[] };

  constructor(entries: number) {
    let slots = 16;
    while (slots < entries * 2) slots *= 2; // at most half full, so probes stay short
    this.index = {
      virtualNumbers: new Map(),
      slots: new Int32Array(slots),
      vn: new Int32Array(entries),
      caller: new Float64Array(entries),
      peer: new Float64Array(entries),
      expiresAt: new Float64Array(entries),
      line: new Int32Array(entries),
      file: new Int32Array(entries),
      files: [],
      size: 0,
    };
  }

  virtualNumberId(key: string): number {
    let id = this.index.virtualNumbers.get(key);
    if (id === undefined) this.index.virtualNumbers.set(key, (id = this.index.virtualNumbers.size));
    return id;
  }

  fileId(file: string): number {
    const i = this.index.files.indexOf(file);
    return i >= 0 ? i : this.index.files.push(file) - 1;
  }

  /** The entry already there for (vn, caller), if any: a caller may have one pair per virtual number. */
  existing(vn: number, caller: number): { file: string; line: number } | undefined {
    const e = findEntry(this.index, vn, caller);
    return e < 0 ? undefined : { file: this.index.files[this.index.file[e]!]!, line: this.index.line[e]! };
  }

  add(vn: number, caller: number, peer: number, expiresAt: number | undefined, file: number, line: number): void {
    const ix = this.index;
    const e = ix.size++;
    ix.vn[e] = vn;
    ix.caller[e] = caller;
    ix.peer[e] = peer;
    ix.expiresAt[e] = expiresAt ?? NaN;
    ix.file[e] = file;
    ix.line[e] = line;
    const mask = ix.slots.length - 1;
    let s = slotOf(vn, caller, mask);
    while (ix.slots[s] !== 0) s = (s + 1) & mask;
    ix.slots[s] = e + 1;
  }

  build(): PairIndex {
    return this.index;
  }
}

export const EMPTY_PAIRS: PairIndex = new PairIndexBuilder(0).build();

/** The facts a pair is found by; a structural type, so pairs need not import event-facts (which imports rule-set, which imports this). */
type PairFacts = Readonly<Record<'source' | 'destination' | 'destinationRefId', string | undefined>>;

/** The caller's pair on the number they called, if there is one and it has not expired at `now`. */
export function findPair(pairs: PairIndex, facts: PairFacts, now: Date): PairEntry | undefined {
  if (pairs.size === 0 || facts.source === undefined) return undefined;
  const caller = phoneDigits(facts.source);
  if (caller === undefined) return undefined;
  let e = -1;
  const byRef = facts.destinationRefId === undefined ? undefined : pairs.virtualNumbers.get(refKey(facts.destinationRefId));
  if (byRef !== undefined) e = findEntry(pairs, byRef, caller);
  if (e < 0 && facts.destination !== undefined) {
    const byNumber = pairs.virtualNumbers.get(numberKey(facts.destination));
    if (byNumber !== undefined) e = findEntry(pairs, byNumber, caller);
  }
  if (e < 0) return undefined;
  const expiresAt = pairs.expiresAt[e]!;
  if (now.getTime() >= expiresAt) return undefined; // false for NaN: no expiry
  return {
    peer: `+${pairs.peer[e]!}`,
    expiresAt: Number.isNaN(expiresAt) ? undefined : expiresAt,
    file: pairs.files[pairs.file[e]!]!,
    line: pairs.line[e]!,
  };
}

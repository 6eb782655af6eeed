/**
 * The table a call is answered from: (caller, virtual number dialled) → the session's row, which
 * of the row's parties is the other one, when the session ends and its `record`. One flat
 * Float64Array, open addressing: a lookup reads one 32-byte entry, wherever it sits among
 * millions, and the collector has no object to visit.
 * (A Map of Maps of Session objects reads six to eight scattered objects per call, and with
 * 1,000,000 sessions those are cache misses: a call cost 2.4× what it cost with 10.)
 *
 * Numbers are keys as numbers: +E.164 has at most 15 digits, which a double holds exactly.
 */

/** "+6591110001" → 6591110001; -1 when the text is not "+" and 1 to 15 digits without a leading 0. */
export function numberKey(e164: string): number {
  const n = e164.length;
  if (n < 2 || n > 16 || e164.charCodeAt(0) !== 43 || e164.charCodeAt(1) === 48) return -1;
  let v = 0;
  for (let i = 1; i < n; i++) {
    const d = e164.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

export const RECORD_UNSET = 0;
export const RECORD_OFF = 1;
export const RECORD_ON = 2;

/**
 * Doubles per entry: 4 × 8 bytes, so two entries share a cache line and none straddles one. The
 * fourth packs the row, which party of the row is the other one (1 or 2) and `record`:
 * see pack().
 */
const STRIDE = 4;
const PARTY = 0;
const NUMBER = 1;
const ENDS = 2;
const META = 3;
const pack = (row: number, peer: number, record: number) => row * 16 + peer * 4 + record;
const TWO_32 = 0x1_0000_0000;

function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** Both halves of both keys (each below 2^50) go into the hash; `| 0` keeps the low 32 bits (no fmod). */
function hash(a: number, b: number): number {
  const h = mix((a | 0) ^ Math.imul((a / TWO_32) | 0, 0x9e3779b1));
  return mix(h ^ (b | 0) ^ Math.imul((b / TWO_32) | 0, 0x27d4eb2f));
}

export class CallTable {
  private entries: Float64Array;
  private mask: number;
  private count = 0;

  constructor(capacity = 16) {
    const slots = 2 ** Math.ceil(Math.log2(Math.max(16, capacity)));
    this.entries = new Float64Array(slots * STRIDE);
    this.mask = slots - 1;
  }

  get size(): number {
    return this.count;
  }

  /** Bytes the table holds, for the bench. */
  get bytes(): number {
    return this.entries.byteLength;
  }

  /** The entry of (party, number), as an offset for the readers below; -1 when there is none. Keys from numberKey. */
  find(party: number, number: number): number {
    if (party <= 0 || number <= 0) return -1;
    const e = this.entries;
    let i = hash(party, number) & this.mask;
    for (;;) {
      const at = i * STRIDE;
      const k = e[at + PARTY]!;
      if (k === 0) return -1;
      if (k === party && e[at + NUMBER] === number) return at;
      i = (i + 1) & this.mask;
    }
  }

  /** Which party of the row is the other one: 1 or 2. */
  peer(at: number): number {
    return (this.entries[at + META]! / 4) & 3;
  }

  /** Epoch ms; Infinity: no end. */
  endsAt(at: number): number {
    return this.entries[at + ENDS]!;
  }

  row(at: number): number {
    return Math.floor(this.entries[at + META]! / 16);
  }

  record(at: number): number {
    return this.entries[at + META]! & 3;
  }

  /** Adds the entry, or replaces the one with the same (party, number). */
  put(party: number, number: number, peer: number, endsAt: number, row: number, record: number): void {
    if ((this.count + 1) * 2 > this.mask + 1) this.resize((this.mask + 1) * 2);
    let at = this.find(party, number);
    if (at < 0) {
      let i = hash(party, number) & this.mask;
      while (this.entries[i * STRIDE + PARTY] !== 0) i = (i + 1) & this.mask;
      at = i * STRIDE;
      this.count++;
    }
    const e = this.entries;
    e[at + PARTY] = party;
    e[at + NUMBER] = number;
    e[at + ENDS] = endsAt;
    e[at + META] = pack(row, peer, record);
  }

  /** Changes the end and `record` of an entry in place. */
  setTerms(at: number, endsAt: number, record: number): void {
    this.entries[at + ENDS] = endsAt;
    this.entries[at + META] = pack(this.row(at), this.peer(at), record);
  }

  /** Takes an entry out, shifting the ones after it back so that no search stops early (no tombstones). */
  delete(party: number, number: number): boolean {
    const found = this.find(party, number);
    if (found < 0) return false;
    const e = this.entries;
    const mask = this.mask;
    let hole = found / STRIDE;
    let j = hole;
    for (;;) {
      j = (j + 1) & mask;
      const at = j * STRIDE;
      if (e[at + PARTY] === 0) break;
      const home = hash(e[at + PARTY]!, e[at + NUMBER]!) & mask;
      // The entry at j may fill the hole only if its home slot is not in (hole, j] (cyclically).
      const between = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!between) {
        e.copyWithin(hole * STRIDE, at, at + STRIDE);
        hole = j;
      }
    }
    e.fill(0, hole * STRIDE, hole * STRIDE + STRIDE);
    this.count--;
    if (this.mask > 15 && this.count * 8 < this.mask + 1) this.resize((this.mask + 1) / 2);
    return true;
  }

  private resize(slots: number): void {
    const old = this.entries;
    this.entries = new Float64Array(slots * STRIDE);
    this.mask = slots - 1;
    for (let at = 0; at < old.length; at += STRIDE) {
      if (old[at + PARTY] === 0) continue;
      let i = hash(old[at + PARTY]!, old[at + NUMBER]!) & this.mask;
      while (this.entries[i * STRIDE + PARTY] !== 0) i = (i + 1) & this.mask;
      this.entries.set(old.subarray(at, at + STRIDE), i * STRIDE);
    }
  }
}

import type { Facts } from './event-facts.js';

/** One side of a masking pair: who the caller is connected to, and until when. */
export interface PairEntry {
  peer: string;
  /** Epoch milliseconds; absent means the pair does not expire. */
  expiresAt?: number;
  /** Where the row is, for explanations. */
  file: string;
  line: number;
}

/**
 * Pairs keyed by virtual number and caller: one Map lookup per call, however many rows there are.
 * A virtual number is written either as 8x8's reference id (matched to destinationRefId) or as a
 * phone number (matched to destination).
 */
export interface PairIndex {
  byKey: ReadonlyMap<string, PairEntry>;
}

export const EMPTY_PAIRS: PairIndex = { byKey: new Map() };

export function refKey(refId: string, caller: string): string {
  return `ref\u0000${refId}\u0000${caller}`;
}

export function numberKey(number: string, caller: string): string {
  return `num\u0000${number}\u0000${caller}`;
}

/** The caller's pair on the number they called, if there is one and it has not expired at `now`. */
export function findPair(pairs: PairIndex, facts: Facts, now: Date): PairEntry | undefined {
  const caller = facts.source;
  if (caller === undefined || pairs.byKey.size === 0) return undefined;
  const entry =
    (facts.destinationRefId === undefined ? undefined : pairs.byKey.get(refKey(facts.destinationRefId, caller))) ??
    (facts.destination === undefined ? undefined : pairs.byKey.get(numberKey(facts.destination, caller)));
  if (!entry) return undefined;
  return entry.expiresAt !== undefined && now.getTime() >= entry.expiresAt ? undefined : entry;
}

import type { Facts } from './event-facts.js';

/** One side of a masking pair: who the caller is connected to, and until when. */
export interface PairEntry {
  peer: string;
  /** Epoch milliseconds; undefined means the pair does not expire. */
  expiresAt: number | undefined;
  /** Where the row is, for explanations. */
  file: string;
  line: number;
}

/**
 * Pairs by virtual number, then by caller: two Map lookups per call, however many rows there
 * are. A virtual number is written either as 8x8's reference id (matched to destinationRefId)
 * or as a phone number (matched to destination); the outer keys are `ref:<id>` and `num:<+E.164>`.
 */
export interface PairIndex {
  byVirtualNumber: ReadonlyMap<string, ReadonlyMap<string, PairEntry>>;
  /** How many callers have a pair (two per row). */
  size: number;
}

export const EMPTY_PAIRS: PairIndex = { byVirtualNumber: new Map(), size: 0 };

export function refKey(refId: string): string {
  return `ref:${refId}`;
}

export function numberKey(number: string): string {
  return `num:${number}`;
}

/** The caller's pair on the number they called, if there is one and it has not expired at `now`. */
export function findPair(pairs: PairIndex, facts: Facts, now: Date): PairEntry | undefined {
  const caller = facts.source;
  if (caller === undefined || pairs.size === 0) return undefined;
  const entry =
    (facts.destinationRefId === undefined ? undefined : pairs.byVirtualNumber.get(refKey(facts.destinationRefId))?.get(caller)) ??
    (facts.destination === undefined ? undefined : pairs.byVirtualNumber.get(numberKey(facts.destination))?.get(caller));
  if (!entry) return undefined;
  return entry.expiresAt !== undefined && now.getTime() >= entry.expiresAt ? undefined : entry;
}

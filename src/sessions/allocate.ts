import type { Pool, PoolNumber } from '../engine/pool.js';
import { numberKey } from './call-table.js';
import { isLive } from './session.js';
import type { SessionIndex } from './session-index.js';

export interface Allocation {
  number?: PoolNumber;
  /** When no number is free: the party that blocks the most numbers, for the 409. */
  blockedBy?: string;
}

/** Free numbers compared before taking the least used: enough to spread load, few enough to stay cheap in a big pool. */
const CHOICES = 16;

/** A pool's numbers by country, made once per pool (pools are rebuilt, not changed, on reload). */
const byCountry = new WeakMap<Pool, ReadonlyMap<string, readonly PoolNumber[]>>();

function countriesOf(pool: Pool): ReadonlyMap<string, readonly PoolNumber[]> {
  let m = byCountry.get(pool);
  if (!m) {
    const groups = new Map<string, PoolNumber[]>();
    for (const n of pool.numbers) {
      if (!n.country) continue;
      const group = groups.get(n.country);
      if (group) group.push(n);
      else groups.set(n.country, [n]);
    }
    byCountry.set(pool, (m = groups));
  }
  return m;
}

/** Whether any of the pool's numbers has a country: only then is the party's country worth finding. */
export function poolHasCountries(pool: Pool): boolean {
  return countriesOf(pool).size > 0;
}

/**
 * A number from the pool on which neither party has an open session (nor ended one within the
 * pool's cool-off), and where `pin` is free: one of the party's country first, then any; of each,
 * the least used of the first few free ones after `start` (which the caller rotates, so numbers
 * take turns). The cost is bounded by those few, not by the size of the pool, until it is nearly full.
 */
export function allocateNumber(pool: Pool, parties: readonly [string, string], index: SessionIndex, at: number, options: { country?: string; pin?: string; start?: number } = {}): Allocation {
  const blocked = [0, 0];
  const partyKeys = [numberKey(parties[0]), numberKey(parties[1])];
  // `skipCountry`: numbers of that country were all tried already (the first pass), so a full pool costs one pass, not two.
  const pick = (numbers: readonly PoolNumber[], skipCountry?: string): PoolNumber | undefined => {
    let best: PoolNumber | undefined;
    let bestLoad = Infinity;
    let seen = 0;
    const n = numbers.length;
    const start = (options.start ?? 0) % Math.max(1, n);
    for (let k = 0; k < n && seen < CHOICES; k++) {
      const candidate = numbers[(start + k) % n]!;
      if (skipCountry !== undefined && candidate.country === skipCountry) continue;
      let free = true;
      const candidateKey = numberKey(candidate.number);
      for (let i = 0; i < 2; i++) {
        const party = parties[i]!;
        const open = index.onNumberKeyed(party, partyKeys[i]!, candidate.number, candidateKey);
        const ended = pool.coolOffMs > 0 ? index.lastEnded(party, candidate.number) : undefined;
        if ((open && isLive(open, at)) || (ended !== undefined && at - ended < pool.coolOffMs)) {
          blocked[i]!++;
          free = false;
        }
      }
      if (!free) continue;
      if (options.pin && index.byPin(candidate.number, options.pin, at)) continue;
      seen++;
      const load = index.loadOf(candidate.number);
      if (load < bestLoad) {
        best = candidate;
        bestLoad = load;
      }
    }
    return best;
  };
  const local = options.country ? (countriesOf(pool).get(options.country) ?? []) : [];
  const best = local.length > 0 ? (pick(local) ?? (local.length < pool.numbers.length ? pick(pool.numbers, options.country) : undefined)) : pick(pool.numbers);
  if (best) return { number: best };
  return { blockedBy: blocked[1]! > blocked[0]! ? parties[1] : parties[0] };
}

import type { Pool, PoolNumber } from '../engine/pool.js';
import { isLive } from './session.js';
import type { SessionIndex } from './session-index.js';

export interface Allocation {
  number?: PoolNumber;
  /** When no number is free: the party that blocks the most numbers, for the 409. */
  blockedBy?: string;
}

/** Free numbers compared before taking the least used: enough to spread load, few enough to stay cheap in a big pool. */
const CHOICES = 16;

/**
 * A number from the pool on which neither party has an open session (nor ended one within the
 * pool's cool-off), and where `pin` is free: one of the party's country first, then the least
 * used of the first few free ones after `start` (which the caller rotates, so numbers take turns).
 */
export function allocateNumber(pool: Pool, parties: readonly [string, string], index: SessionIndex, at: number, options: { country?: string; pin?: string; start?: number } = {}): Allocation {
  let best: PoolNumber | undefined;
  let bestLoad = Infinity;
  let bestLocal = false;
  let localSeen = 0;
  const blocked = [0, 0];
  const n = pool.numbers.length;
  const start = (options.start ?? 0) % n;
  for (let k = 0; k < n && localSeen < CHOICES; k++) {
    const candidate = pool.numbers[(start + k) % n]!;
    let free = true;
    for (let i = 0; i < 2; i++) {
      const party = parties[i]!;
      const open = index.onNumber(party, candidate.number);
      const ended = pool.coolOffMs > 0 ? index.lastEnded(party, candidate.number) : undefined;
      if ((open && isLive(open, at)) || (ended !== undefined && at - ended < pool.coolOffMs)) {
        blocked[i]!++;
        free = false;
      }
    }
    if (!free) continue;
    if (options.pin && index.byPin(candidate.number, options.pin, at)) continue;
    const local = !options.country || candidate.country === options.country;
    if (local) localSeen++;
    const load = index.loadOf(candidate.number);
    if ((local && !bestLocal) || (local === bestLocal && load < bestLoad)) {
      best = candidate;
      bestLoad = load;
      bestLocal = local;
    }
  }
  if (best) return { number: best };
  return { blockedBy: blocked[1]! > blocked[0]! ? parties[1] : parties[0] };
}

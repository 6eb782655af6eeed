import type { Pool, PoolNumber } from '../engine/pool.js';
import { isLive } from './session.js';
import type { SessionIndex } from './session-index.js';

export interface Allocation {
  number?: PoolNumber;
  /** When no number is free: the party that blocks the most numbers, for the 409. */
  blockedBy?: string;
}

/**
 * A number from the pool on which neither party has an open session (nor ended one within the
 * pool's cool-off), and where `pin` is free: the party's country first, then the least used.
 * `start` rotates where ties are broken, so equal numbers take turns.
 */
export function allocateNumber(pool: Pool, parties: readonly [string, string], index: SessionIndex, at: number, options: { country?: string; pin?: string; start?: number } = {}): Allocation {
  let best: PoolNumber | undefined;
  let bestScore = Infinity;
  const blocked = [0, 0];
  const n = pool.numbers.length;
  const start = (options.start ?? 0) % n;
  for (let k = 0; k < n; k++) {
    const candidate = pool.numbers[(start + k) % n]!;
    let free = true;
    parties.forEach((party, i) => {
      const open = index.onNumber(party, candidate.number);
      const ended = index.lastEnded(party, candidate.number);
      if ((open && isLive(open, at)) || (ended !== undefined && at - ended < pool.coolOffMs)) {
        blocked[i]!++;
        free = false;
      }
    });
    if (!free) continue;
    if (options.pin && index.byPin(candidate.number, options.pin, at)) continue;
    // Another country costs more than any load difference.
    const score = index.loadOf(candidate.number) + (options.country && candidate.country !== options.country ? 1e9 : 0);
    if (score < bestScore) {
      best = candidate;
      bestScore = score;
      if (score === 0) break;
    }
  }
  if (best) return { number: best };
  return { blockedBy: blocked[1]! > blocked[0]! ? parties[1] : parties[0] };
}

import type { SessionLookup } from '../engine/session-lookup.js';
import { SessionIndex } from './session-index.js';

/** A session written by hand (rule tests' `sessions:`, simulate's --session), numbers already +E.164. */
export interface FixedSession {
  id?: string;
  parties: readonly [string, string];
  virtualNumber: string;
  record?: boolean;
  /** Epoch ms. */
  expiresAt?: number;
  pin?: string;
}

/** The same lookup the server answers calls with, over sessions that exist only in memory. */
export function fixedSessions(sessions: readonly FixedSession[]): SessionLookup {
  const index = new SessionIndex();
  sessions.forEach((s, i) =>
    index.add({
      id: s.id ?? `test-session-${i + 1}`,
      status: 'open',
      virtualNumber: s.virtualNumber,
      parties: s.parties,
      ...(s.expiresAt === undefined ? {} : { expiresAt: s.expiresAt }),
      ...(s.record === undefined ? {} : { record: s.record }),
      ...(s.pin === undefined ? {} : { pin: s.pin }),
      lastActivityAt: 0,
      createdAt: 0,
    }),
  );
  return index;
}

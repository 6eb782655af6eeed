/** A live masking session as the store keeps it and the API shows it. Times are epoch ms. */
export type SessionStatus = 'open' | 'closed' | 'expired';

export interface Session {
  id: string;
  status: SessionStatus;
  virtualNumber: string;
  /** The pool the number came from, when it was allocated. */
  pool?: string;
  parties: readonly [string, string];
  /** Absolute end (`expiresAt` or `ttl`); undefined: none. */
  expiresAt?: number;
  /** Seconds without a call after which the session ends; each call slides it. */
  idleTtl?: number;
  /** The last call or the creation: where the idle clock starts. */
  lastActivityAt: number;
  ref?: string;
  record?: boolean;
  subAccountId?: string;
  pin?: string;
  createdAt: number;
  closedAt?: number;
  /** Hash of the create request, so a retry with the same `ref` and body is recognised. */
  requestHash?: string;
}

/** When the session ends if nothing changes: the earlier of its absolute and its idle expiry. */
export function endsAt(s: Session): number | undefined {
  const idle = s.idleTtl === undefined ? undefined : s.lastActivityAt + s.idleTtl * 1000;
  if (idle === undefined) return s.expiresAt;
  if (s.expiresAt === undefined) return idle;
  return Math.min(idle, s.expiresAt);
}

export function isLive(s: Session, at: number): boolean {
  if (s.status !== 'open') return false;
  const end = endsAt(s);
  return end === undefined || at < end;
}

/** The session as the API answers it. */
export function sessionJson(s: Session, at: number = Date.now()) {
  const end = endsAt(s);
  const status = s.status === 'open' && !isLive(s, at) ? 'expired' : s.status;
  return {
    id: s.id,
    status,
    virtualNumber: s.virtualNumber,
    ...(s.pool ? { pool: s.pool } : {}),
    parties: [...s.parties],
    expiresAt: end === undefined ? null : new Date(end).toISOString(),
    ...(s.idleTtl === undefined ? {} : { idleTtl: s.idleTtl }),
    ref: s.ref ?? null,
    record: s.record ?? null,
    ...(s.subAccountId ? { subAccountId: s.subAccountId } : {}),
    ...(s.pin ? { pin: s.pin } : {}),
    createdAt: new Date(s.createdAt).toISOString(),
    ...(s.closedAt === undefined ? {} : { closedAt: new Date(s.closedAt).toISOString() }),
  };
}

import { endsAt, type Session, type SessionStatus } from './session.js';

/**
 * A row of the sessions table as either engine hands it back: SQLite gives integers and 0/1,
 * PostgreSQL gives BIGINT as text (pg keeps 64 bits exact) and booleans. Epoch milliseconds fit a number.
 */
export interface SessionRow {
  id: string;
  status: SessionStatus;
  virtual_number: string;
  pool: string | null;
  party_a: string;
  party_b: string;
  expires_at: number | string | null;
  idle_ttl: number | null;
  last_activity_at: number | string;
  ref: string | null;
  record: number | boolean | null;
  sub_account_id: string | null;
  pin: string | null;
  created_at: number | string;
  closed_at: number | string | null;
  request_hash: string | null;
}

/** The row to write; `record` as the engine stores a boolean (SQLite: 0/1). */
export function sessionToRow<B extends number | boolean>(s: Session, storeBoolean: (b: boolean) => B) {
  return {
    id: s.id,
    status: s.status,
    virtual_number: s.virtualNumber,
    pool: s.pool ?? null,
    party_a: s.parties[0],
    party_b: s.parties[1],
    expires_at: s.expiresAt ?? null,
    idle_ttl: s.idleTtl ?? null,
    last_activity_at: s.lastActivityAt,
    ends_at: endsAt(s) ?? null,
    ref: s.ref ?? null,
    record: s.record === undefined ? null : storeBoolean(s.record),
    sub_account_id: s.subAccountId ?? null,
    pin: s.pin ?? null,
    created_at: s.createdAt,
    closed_at: s.closedAt ?? null,
    request_hash: s.requestHash ?? null,
  };
}

export function sessionFromRow(r: SessionRow): Session {
  return {
    id: r.id,
    status: r.status,
    virtualNumber: r.virtual_number,
    ...(r.pool === null ? {} : { pool: r.pool }),
    parties: [r.party_a, r.party_b],
    ...(r.expires_at === null ? {} : { expiresAt: Number(r.expires_at) }),
    ...(r.idle_ttl === null ? {} : { idleTtl: r.idle_ttl }),
    lastActivityAt: Number(r.last_activity_at),
    ...(r.ref === null ? {} : { ref: r.ref }),
    ...(r.record === null ? {} : { record: r.record === true || r.record === 1 }),
    ...(r.sub_account_id === null ? {} : { subAccountId: r.sub_account_id }),
    ...(r.pin === null ? {} : { pin: r.pin }),
    createdAt: Number(r.created_at),
    ...(r.closed_at === null ? {} : { closedAt: Number(r.closed_at) }),
    ...(r.request_hash === null ? {} : { requestHash: r.request_hash }),
  };
}

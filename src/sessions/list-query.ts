import type { SessionStatus } from './session.js';

/** A page of `GET /sessions`: newest first, every filter optional. */
export interface ListQuery {
  party?: string;
  virtualNumber?: string;
  ref?: string;
  status?: SessionStatus;
  limit: number;
  /** Opaque position from the previous page: sessions created before it. */
  after?: { createdAt: number; id: string };
}

/** How each engine writes what differs: parameters, and which party rows a status is read from. */
export interface ListDialect {
  /** The n-th parameter: `?` in SQLite (each used once, in order), `$n` in PostgreSQL. */
  mark(n: number): string;
  /** The party rows of open sessions, as the partial index `session_parties_open` is written. */
  openParty: { from: string; where: string };
  /** The party rows of ended sessions, as the partial index `session_parties_ended` (party, status, created_at, session_id) is written. */
  endedParty: { from: string; where: string };
}

// SQLite, without statistics, would take the index in page order and try each of a party's sessions.
export const SQLITE_LIST: ListDialect = {
  mark: () => '?',
  openParty: { from: 'session_parties AS p INDEXED BY session_parties_open', where: 'p.open = 1' },
  endedParty: { from: 'session_parties AS p INDEXED BY session_parties_ended', where: 'p.open = 0' },
};

export const POSTGRES_LIST: ListDialect = {
  mark: (n) => `$${n}`,
  openParty: { from: 'session_parties AS p', where: 'p.open' },
  endedParty: { from: 'session_parties AS p', where: 'NOT p.open' },
};

/**
 * The one SELECT behind a page, for both engines. Each filter has an index in the order of the
 * page, (filter, created_at, id), so a page reads its rows and stops, whatever the table holds.
 * A party's sessions are read from its party rows, which carry created_at for that reason (and,
 * once ended, their session's status); CROSS JOIN (the join condition in WHERE, which both
 * engines accept) keeps SQLite reading them first, in index order, rather than sorting a party's
 * whole history. A party's open sessions come from the partial index of open party rows instead
 * (at most one per virtual number), sorted: in page order they would be found only by trying
 * every session of its history.
 */
export function listSql(q: ListQuery, dialect: ListDialect): { sql: string; args: unknown[] } {
  const args: unknown[] = [];
  const arg = (v: unknown) => dialect.mark(args.push(v));
  const where: string[] = [];
  const rows = !q.party || !q.status ? undefined : q.status === 'open' ? dialect.openParty : dialect.endedParty;
  const [from, order] = q.party ? [`${rows?.from ?? 'session_parties AS p'} CROSS JOIN sessions AS s`, ['p.created_at', 'p.session_id']] : ['sessions AS s', ['s.created_at', 's.id']];
  if (q.party) where.push(`p.party = ${arg(q.party)}`, 's.id = p.session_id');
  if (rows) where.push(rows.where);
  if (rows === dialect.endedParty) where.push(`p.status = ${arg(q.status)}`);
  if (q.virtualNumber) where.push(`s.virtual_number = ${arg(q.virtualNumber)}`);
  if (q.ref) where.push(`s.ref = ${arg(q.ref)}`);
  // On the session row too: it is the one truth (a trigger keeps the party rows' copy).
  if (q.status) where.push(`s.status = ${arg(q.status)}`);
  if (q.after) where.push(`(${order.join(', ')}) < (${arg(q.after.createdAt)}, ${arg(q.after.id)})`);
  const sql = `SELECT s.* FROM ${from} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${order.map((c) => `${c} DESC`).join(', ')} LIMIT ${arg(q.limit)}`;
  return { sql, args };
}

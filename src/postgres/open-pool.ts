import pg from 'pg';
import type { Logger } from '../log/logger.js';

export interface PoolOptions {
  /** postgres://user:password@host:5432/db */
  url: string;
  /** Connections at most, per router. */
  max: number;
  log: Logger;
}

/** How long a connection attempt or a statement may take before it fails: calls never wait on a stuck database. */
const CONNECT_TIMEOUT_MS = 3000;
const STATEMENT_TIMEOUT_MS = 5000;

/**
 * A bounded pool of connections to PostgreSQL. Opening it connects nothing: the first query
 * does, so a database that is down at start shows as degraded, never as a crash.
 */
export function openPool(options: PoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: 30_000,
    statement_timeout: STATEMENT_TIMEOUT_MS,
    application_name: 'call-router',
  });
  // An idle connection that breaks (the server restarted, the network dropped) is reported on the
  // pool; without a listener Node would end the process.
  pool.on('error', (e) => options.log({ level: 'warn', msg: 'postgres-connection-lost', error: e.message }));
  return pool;
}

/** The URL without its password, for logs and error messages. */
export function shownUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'the DATABASE_URL (it is not a valid URL)';
  }
}

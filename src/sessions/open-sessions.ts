import type pg from 'pg';
import type { ServerConfig } from '../config/server-config.js';
import { openPool, shownUrl } from '../postgres/open-pool.js';
import type { Pool } from '../engine/pool.js';
import type { Logger } from '../log/logger.js';
import { PostgresEngine } from './postgres-engine.js';
import { coolOffOf, Sessions } from './sessions-service.js';

const DAY_MS = 24 * 60 * 60_000;
/** Ended sessions are noticed within this; a call after the end is refused anyway (the index checks the time). */
const SWEEP_EVERY_MS = 5000;
/** Sessions another process writes to the file (`sessions import`) route within about this. */
const CATCH_UP_EVERY_MS = 500;
/** Another router's writes arrive by notification at once; this catches up any that was missed. */
const POSTGRES_CATCH_UP_EVERY_MS = 1000;
/** While PostgreSQL cannot be reached at start, try again this often. */
const RETRY_MS = 2000;

export class SessionsUnavailable extends Error {}

/**
 * The sessions the config asks for, or undefined when they are off: in PostgreSQL when
 * `database` is given (DATABASE_URL), else in the SQLite file. A file that cannot be opened
 * stops the start: serving without the sessions would send every masked call to `else`.
 * PostgreSQL that cannot be reached is waited for (the router does not listen until the open
 * sessions are loaded, for the same reason), trying again every 2 s and saying so in the log.
 */
export async function openSessions(config: Pick<ServerConfig, 'sessionsDb' | 'sessionsRetentionDays'>, pools: () => ReadonlyMap<string, Pool> | undefined, log: Logger, database?: pg.Pool): Promise<Sessions | undefined> {
  if (config.sessionsDb === 'off') return undefined;
  const common = { pools, retentionMs: config.sessionsRetentionDays * DAY_MS, sweepEveryMs: SWEEP_EVERY_MS, log };
  if (database) {
    const engine = new PostgresEngine(database, log);
    for (let attempt = 1; ; attempt++) {
      try {
        await engine.migrate();
        const coolOff = coolOffOf(pools());
        const snapshot = await engine.snapshot(coolOff > 0 ? Date.now() - coolOff : undefined);
        const sessions = new Sessions({ ...common, catchUpEveryMs: POSTGRES_CATCH_UP_EVERY_MS, engine: { engine, snapshot } });
        log({ msg: 'sessions-open', store: engine.describe, open: sessions.openCount });
        return sessions;
      } catch (e) {
        const error = e instanceof Error ? e.message : String(e);
        // A newer schema is not going to change by waiting.
        if (/newer version/.test(error)) throw new SessionsUnavailable(error);
        log({ level: 'error', msg: 'sessions-database-unavailable', store: engine.describe, attempt, error, fix: 'start PostgreSQL or fix DATABASE_URL; the router starts serving once the open sessions are loaded' });
        await new Promise((r) => setTimeout(r, RETRY_MS));
      }
    }
  }
  try {
    const sessions = new Sessions({ ...common, catchUpEveryMs: CATCH_UP_EVERY_MS, path: config.sessionsDb });
    log({ msg: 'sessions-open', file: config.sessionsDb, open: sessions.openCount });
    return sessions;
  } catch (e) {
    throw new SessionsUnavailable(
      `cannot open the sessions file ${config.sessionsDb} (SESSIONS_DB): ${e instanceof Error ? e.message : String(e)}; fix the path or its permissions, or set SESSIONS_DB=off to run without live sessions`,
    );
  }
}

/**
 * The sessions for a one-off command (`sessions import`): in PostgreSQL with DATABASE_URL, else
 * the SQLite file; no waiting, a database that cannot be reached is an error. `close` also ends
 * the pool.
 */
export async function openSessionsOnce(config: Pick<ServerConfig, 'sessionsDb' | 'databaseUrl'>): Promise<{ sessions: Sessions; where: string; close(): Promise<void> }> {
  if (!config.databaseUrl) {
    const sessions = new Sessions({ path: config.sessionsDb, pools: () => undefined });
    return { sessions, where: config.sessionsDb, close: () => sessions.close() };
  }
  const where = shownUrl(config.databaseUrl);
  const database = openPool({ url: config.databaseUrl, max: 2, log: () => {} });
  try {
    const engine = new PostgresEngine(database, () => {});
    await engine.migrate();
    const sessions = new Sessions({ pools: () => undefined, engine: { engine, snapshot: await engine.snapshot(undefined) } });
    return {
      sessions,
      where,
      close: async () => {
        await sessions.close();
        await database.end();
      },
    };
  } catch (e) {
    await database.end();
    throw e;
  }
}

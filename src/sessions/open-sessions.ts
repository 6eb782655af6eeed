import type { ServerConfig } from '../config/server-config.js';
import type { Pool } from '../engine/pool.js';
import type { Logger } from '../log/logger.js';
import { Sessions } from './sessions-service.js';

const DAY_MS = 24 * 60 * 60_000;
/** Ended sessions are noticed within this; a call after the end is refused anyway (the index checks the time). */
const SWEEP_EVERY_MS = 5000;
/** Sessions another process writes to the file (`sessions import`) route within about this. */
const CATCH_UP_EVERY_MS = 500;

export class SessionsUnavailable extends Error {}

/**
 * The sessions the config asks for, or undefined when they are off. A file that cannot be
 * opened stops the start: serving without the sessions would send every masked call to `else`.
 */
export function openSessions(config: Pick<ServerConfig, 'sessionsDb' | 'sessionsRetentionDays'>, pools: () => ReadonlyMap<string, Pool> | undefined, log: Logger): Sessions | undefined {
  if (config.sessionsDb === 'off') return undefined;
  try {
    const sessions = new Sessions({ path: config.sessionsDb, pools, retentionMs: config.sessionsRetentionDays * DAY_MS, sweepEveryMs: SWEEP_EVERY_MS, catchUpEveryMs: CATCH_UP_EVERY_MS, log });
    log({ msg: 'sessions-open', file: config.sessionsDb, open: sessions.openCount });
    return sessions;
  } catch (e) {
    throw new SessionsUnavailable(`cannot open the sessions file ${config.sessionsDb} (SESSIONS_DB): ${e instanceof Error ? e.message : String(e)}; fix the path or its permissions, or set SESSIONS_DB=off to run without live sessions`);
  }
}

import type pg from 'pg';
import type { ServerConfig } from '../config/server-config.js';
import { shownUrl } from '../postgres/open-pool.js';
import { connectPostgres } from './postgres-call-log.js';
import type { Logger } from '../log/logger.js';
import type { Metrics } from '../metrics/metrics.js';
import { CallRecorder, type RecorderOptions } from './call-recorder.js';
import { connectInline, connectWorker } from './call-log-writer.js';
import { SqliteCallStore } from './sqlite-call-store.js';
import type { Retention } from './call-store.js';

const DAY_MS = 24 * 60 * 60_000;

export type CallLogConfig = Pick<ServerConfig, 'callLog' | 'callLogRetentionDays' | 'callLogMaxRows' | 'callLogMaxBytes'>;

function retentionOf(config: CallLogConfig): Retention {
  return { maxAgeMs: config.callLogRetentionDays * DAY_MS, maxRows: config.callLogMaxRows, maxBytes: config.callLogMaxBytes };
}

/**
 * The decision log the config asks for, or undefined when it is off. A file that cannot be
 * opened does not keep the router from answering calls: the recorder reports 'off' and retries.
 * With `database` (DATABASE_URL) the log lives in PostgreSQL, shared by every router on it.
 */
export function openCallLog(config: CallLogConfig, metrics: Metrics, log: Logger, options: Partial<RecorderOptions> = {}, database?: { pool: pg.Pool; url: string }): CallRecorder | undefined {
  if (config.callLog === 'off') return undefined;
  const retention = retentionOf(config);
  if (database) {
    const where = shownUrl(database.url);
    const hooks = { log: (entry: Record<string, unknown>) => log({ ...entry, database: where }), writtenAfterOutage: (n: number) => metrics.recordStoreWrittenAfterOutage(n) };
    return new CallRecorder(
      async () => {
        try {
          return await connectPostgres(database.pool, retention, hooks);
        } catch (e) {
          throw new Error(`cannot open the decision log in PostgreSQL at ${where}: ${e instanceof Error ? e.message : String(e)} (check DATABASE_URL and that the server is running)`);
        }
      },
      // A few seconds between tries: PostgreSQL restarting is the usual case, not a broken file.
      { metrics, log, retryOpenMs: 2000, ...options },
    );
  }
  const file = config.callLog;
  const logFromWriter = (entry: Record<string, unknown>) => log({ ...entry, file });
  if (file === ':memory:') {
    // One connection on this thread: a second one (the writer thread's) would see another database.
    return new CallRecorder(
      () => {
        const store = new SqliteCallStore(':memory:');
        return connectInline(store, retention, logFromWriter);
      },
      { metrics, log, ...options },
    );
  }
  const recorder: CallRecorder = new CallRecorder(() => connectWorker(file, retention, { log: logFromWriter, lost: (reason) => recorder.lost(reason) }), { metrics, log, ...options });
  return recorder;
}

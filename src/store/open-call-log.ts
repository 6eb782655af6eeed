import type { ServerConfig } from '../config/server-config.js';
import type { Logger } from '../log/logger.js';
import type { Metrics } from '../metrics/metrics.js';
import { CallRecorder } from './call-recorder.js';
import { SqliteCallStore } from './sqlite-call-store.js';

const DAY_MS = 24 * 60 * 60_000;

/**
 * The decision log the config asks for, or undefined when it is off or cannot be opened: a
 * broken log file must not keep the router from answering calls.
 */
export function openCallLog(config: Pick<ServerConfig, 'callLog' | 'callLogRetentionDays' | 'callLogMaxRows'>, metrics: Metrics, log: Logger): CallRecorder | undefined {
  if (config.callLog === 'off') return undefined;
  let store: SqliteCallStore;
  try {
    store = new SqliteCallStore(config.callLog);
  } catch (e) {
    metrics.recordStoreError();
    log({ level: 'error', msg: 'call-log-unavailable', file: config.callLog, error: e instanceof Error ? e.message : String(e), effect: 'calls are answered but not recorded' });
    return undefined;
  }
  return new CallRecorder(store, { metrics, log, retention: { maxAgeMs: config.callLogRetentionDays * DAY_MS, maxRows: config.callLogMaxRows } });
}

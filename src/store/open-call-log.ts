import type { ServerConfig } from '../config/server-config.js';
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
 */
export function openCallLog(config: CallLogConfig, metrics: Metrics, log: Logger, options: Partial<RecorderOptions> = {}): CallRecorder | undefined {
  if (config.callLog === 'off') return undefined;
  const retention = retentionOf(config);
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

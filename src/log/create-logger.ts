import { pino, type DestinationStream, type Level } from 'pino';
import pretty from 'pino-pretty';
import type { Logger } from '../log/logger.js';
import { jsonLines } from './json-lines.js';

type LogFormat = 'auto' | 'json' | 'pretty';
type LogLevel = Level | 'silent';

export interface LoggerOptions {
  level?: LogLevel;
  format?: LogFormat;
  /** Where lines go; default stdout. Tests pass a stream to read them back. */
  destination?: DestinationStream;
  /** Whether stdout is a terminal (for format auto). Default: process.stdout.isTTY. */
  isTTY?: boolean;
}

export interface AppLogger {
  /** The `Logger` function the rest of the code calls; `level: 'warn'` etc. in the entry picks the level. */
  log: Logger;
  /** Resolves when every line written so far has reached its destination. */
  flush(): Promise<void>;
}

const LEVELS: ReadonlySet<string> = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace']);

/**
 * The small `Logger` interface: JSON lines in production (built as strings, written in batches
 * through SonicBoom), pino-pretty for a person at a terminal.
 */
export function createLogger(options: LoggerOptions = {}): AppLogger {
  const format = options.format ?? 'auto';
  const usePretty = format === 'pretty' || (format === 'auto' && (options.isTTY ?? Boolean(process.stdout.isTTY)));
  if (!usePretty) return jsonLines(options.destination ?? pino.destination({ dest: 1, sync: false }), options.level ?? 'info');
  const out = options.destination;
  // pino-pretty runs in this thread (no transport worker), only for a person watching a terminal;
  // one line per entry (singleLine), so a request reads as one line, not a dozen.
  const destination = pretty({ colorize: options.destination === undefined, sync: true, translateTime: 'SYS:HH:MM:ss.l', singleLine: true, ignore: 'pid,hostname', ...(out ? { destination: out } : {}) });
  const logger = pino({ level: options.level ?? 'info', base: undefined, timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: (label) => ({ level: label }) } }, destination);

  const log: Logger = (entry) => {
    const { level, msg, ...rest } = entry;
    const method = typeof level === 'string' && LEVELS.has(level) ? (level as Level) : 'info';
    logger[method](rest, typeof msg === 'string' ? msg : undefined);
  };
  const flush = () =>
    new Promise<void>((resolve) => {
      try {
        logger.flush(() => resolve());
      } catch {
        resolve();
      }
    });
  return { log, flush };
}

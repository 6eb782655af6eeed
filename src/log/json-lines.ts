/** Where JSON lines go: a stream (tests), or SonicBoom on stdout. */
export interface LineSink {
  write(text: string): unknown;
  flush?(cb?: (err?: Error | null) => unknown): unknown;
}

const LEVEL_VALUES: Readonly<Record<string, number>> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity };
/** Lines wait at most this long, or until this much text is waiting (measured: a write per 10 ms costs half a write per loop turn). */
const FLUSH_AFTER_MS = 10;
const FLUSH_AT_CHARS = 64 * 1024;

/**
 * One log entry as one JSON line, built as a single string (level and time first, then the fields
 * as JSON.stringify writes them), collected in memory and written every few milliseconds: a busy
 * server makes one write for many lines instead of serialising objects and writing each. close()
 * of the server flushes, so a shutdown loses nothing.
 */
export function jsonLines(sink: LineSink, minLevel: string): { log: (entry: Record<string, unknown>) => void; flush(): Promise<void> } {
  const threshold = LEVEL_VALUES[minLevel] ?? LEVEL_VALUES.info!;
  let pending = '';
  let scheduled = false;
  const drain = () => {
    scheduled = false;
    if (pending === '') return;
    const text = pending;
    pending = '';
    sink.write(text);
  };
  const log = (entry: Record<string, unknown>) => {
    const level = typeof entry.level === 'string' && entry.level in LEVEL_VALUES && entry.level !== 'silent' ? entry.level : 'info';
    if (LEVEL_VALUES[level]! < threshold) return;
    pending += line(level, entry);
    // Only the per-request lines wait: anything else (a reload, a warning) is news, written at once.
    if (entry.msg !== 'request' || pending.length >= FLUSH_AT_CHARS) drain();
    else if (!scheduled) {
      scheduled = true;
      setTimeout(drain, FLUSH_AFTER_MS);
    }
  };
  const flush = () =>
    new Promise<void>((resolve) => {
      drain();
      if (!sink.flush) return void setImmediate(resolve);
      try {
        sink.flush(() => resolve());
      } catch {
        resolve();
      }
    });
  return { log, flush };
}

let clockMs = Number.NaN;
let clockText = '';
/** The time as ISO text; a busy server writes many lines in the same millisecond. */
function isoNow(): string {
  const now = Date.now();
  if (now !== clockMs) {
    clockMs = now;
    clockText = new Date(now).toISOString();
  }
  return clockText;
}

/**
 * The entry as one line, level and time first. Entries that start with their level (every entry
 * the server logs per request) are serialised in one go, without copying the entry first.
 */
function line(level: string, entry: Record<string, unknown>): string {
  if (entry.level === level) {
    let text: string | undefined;
    try {
      text = JSON.stringify(entry);
    } catch {
      // Written below, with the reason the fields are missing.
    }
    const head = `{"level":"${level}",`;
    if (text?.startsWith(head)) return `${head}"time":"${isoNow()}",${text.slice(head.length)}\n`;
  }
  return `{"level":"${level}","time":"${isoNow()}",${fields(entry)}\n`;
}

/** The entry without `level`, as the inside of a JSON object (no braces' opening). */
function fields(entry: Record<string, unknown>): string {
  const { level: _level, ...rest } = entry;
  let text: string;
  try {
    text = JSON.stringify(rest);
  } catch (e) {
    // A field JSON cannot write (a cycle, a BigInt): keep the message, say why the rest is missing.
    text = JSON.stringify({ msg: rest.msg, logError: e instanceof Error ? e.message : String(e) });
  }
  return text.length > 2 ? text.slice(1) : '"msg":null}';
}

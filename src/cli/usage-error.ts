/** A mistake in how a command was called: printed with the usage, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const USAGE = `Usage:
  call-router serve    [--rules DIR] [--port N] [--host ADDR] [--config FILE]
                                                                 serve the 8x8 webhooks (env RULES_DIR, PORT, HOST,
                                                                 CONFIG_FILE; the README lists every setting)
                       [--no-watch]                             reload only on SIGHUP or POST /admin/reload (env WATCH=0)
                       [--pid-file FILE]                        write the process id to FILE while serving (env PID_FILE)
  call-router validate [DIR]                                     check every rule file (default ./rules)
                       [--strict] [--format text|json|github]    and run DIR/tests; --strict fails on warnings too
                       [--compare OLD_DIR] [--at TIME]           list calls that route differently from OLD_DIR
                       [--write-rules-cache CACHE_DIR]           when it passes, compile a big folder for serve's
                                                                 RULES_CACHE, so the first start skips compiling
  call-router validate --write-schema DIR                        write the rule files' JSON Schemas into DIR, for editors
  call-router simulate <event.json | field=value ...> [--rules DIR]
                       [--explain] [--at TIME]                   show which rule answers a call, and the callflow
                                                                 (--explain: why each earlier rule did not)
                       [--press KEYS ...]                        then the caller presses KEYS (4711#, or nothing),
                                                                 one answer per step: a walk through menus
                       [--session A,B,VN[,record][,pin=N]]...    with a live masking session open (repeatable)
  call-router sessions import FILE.csv [--config FILE]           load a pairs table into the sessions file (SESSIONS_DB)
  TIME is ISO 8601 with a zone, like 2026-03-02T09:30:00+08:00

npm scripts: npm start, npm run validate -- [DIR], npm run simulate -- [ARGS], npm run sessions -- import FILE.csv`;

/** A mistake in how a command was called: printed with the usage, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const USAGE = `Usage:
  call-router serve    [--rules DIR] [--port N] [--host ADDR]   serve the 8x8 webhook (env RULES_DIR, PORT, HOST)
                       [--no-watch]                             reload only on SIGHUP or POST /admin/reload (env WATCH=0)
  call-router validate [DIR]                                     check every rule file (default ./rules)
  call-router simulate <event.json | field=value ...> [--rules DIR]
                                                                 show which rule answers a call, and the callflow

npm scripts: npm start, npm run validate -- [DIR], npm run simulate -- [ARGS]`;

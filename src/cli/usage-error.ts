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
  call-router validate [DIR]                                     check every rule file (default ./rules)
  call-router simulate <event.json | field=value ...> [--rules DIR]
                                                                 show which rule answers a call, and the callflow

npm scripts: npm start, npm run validate -- [DIR], npm run simulate -- [ARGS]`;

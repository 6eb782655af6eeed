import type { Output } from './print-diagnostics.js';
import { USAGE, UsageError } from './usage-error.js';

/**
 * Runs one CLI command; returns its exit code (2 for a usage error). Each command's modules are
 * imported when it runs: `serve` starts its rules loader before the server's modules load.
 */
export async function run(argv: readonly string[], out: Output, err: Output, env: NodeJS.ProcessEnv): Promise<number> {
  const [command, ...args] = argv;
  try {
    switch (command) {
      case 'serve':
        return await (await import('./serve-command.js')).serveCommand(args, out, err, env);
      case 'validate':
        return await (await import('./validate-command.js')).validateCommand(args, out, err, env);
      case 'simulate':
        return await (await import('./simulate-command.js')).simulateCommand(args, out, err, env);
      case 'sessions':
        return await (await import('./sessions-command.js')).sessionsCommand(args, out, err, env);
      case 'help':
      case '--help':
      case '-h':
        out.write(`${USAGE}\n`);
        return 0;
      default:
        throw new UsageError(command ? `unknown command "${command}"` : 'no command given');
    }
  } catch (e) {
    // parseArgs reports unknown flags with ERR_PARSE_ARGS_* codes: the caller's mistake too.
    if (e instanceof UsageError || (e as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
      err.write(`error: ${(e as Error).message}\n\n${USAGE}\n`);
      return 2;
    }
    throw e;
  }
}

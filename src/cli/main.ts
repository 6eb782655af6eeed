#!/usr/bin/env node
import { serveCommand } from './serve-command.js';
import { simulateCommand } from './simulate-command.js';
import { validateCommand } from './validate-command.js';
import type { Output } from './print-diagnostics.js';
import { USAGE, UsageError } from './usage-error.js';

const out: Output = { write: (t) => void process.stdout.write(t), color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR };
const err: Output = { write: (t) => void process.stderr.write(t), color: Boolean(process.stderr.isTTY) && !process.env.NO_COLOR };

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  try {
    switch (command) {
      case 'serve':
        return await serveCommand(args, out, err, process.env);
      case 'validate':
        return await validateCommand(args, out, err);
      case 'simulate':
        return await simulateCommand(args, out, err);
      case 'help':
      case '--help':
      case '-h':
        out.write(`${USAGE}\n`);
        return 0;
      default:
        throw new UsageError(command ? `unknown command "${command}"` : 'no command given');
    }
  } catch (e) {
    // parseArgs reports unknown flags with this code; both are the caller's mistake, exit 2.
    if (e instanceof UsageError || (e as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
      err.write(`error: ${(e as Error).message}\n\n${USAGE}\n`);
      return 2;
    }
    throw e;
  }
}

process.exitCode = await main(process.argv.slice(2));

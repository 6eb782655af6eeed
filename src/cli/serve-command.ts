import { serve } from '@hono/node-server';
import { parseArgs } from 'node:util';
import { createApp } from '../http/app.js';
import { jsonLineLogger } from '../http/logger.js';
import { LiveRules } from '../rules/live-rules.js';
import { loadRules } from '../rules/load-rules.js';
import { printDiagnostics, summarizeErrors, type Output } from './print-diagnostics.js';
import { UsageError } from './usage-error.js';

/** `serve`: load the rules (or exit 1 with the same errors as validate) and answer 8x8's webhooks. */
export async function serveCommand(args: string[], out: Output, err: Output, env: NodeJS.ProcessEnv): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { rules: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' } },
  });
  const dir = values.rules ?? env.RULES_DIR ?? 'rules';
  const port = parsePort(values.port ?? env.PORT ?? '3000');
  const host = values.host ?? env.HOST ?? '0.0.0.0';

  const loaded = await loadRules(dir);
  printDiagnostics(loaded.diagnostics, loaded.texts, err);
  if (!loaded.ruleSet) {
    err.write(`\n${summarizeErrors(loaded.diagnostics)}: not starting. Run \`npm run validate -- ${dir}\` after fixing them.\n`);
    return 1;
  }
  const rules = new LiveRules(loaded.ruleSet);
  const app = createApp({ rules, log: jsonLineLogger });

  return await new Promise<number>((resolve) => {
    const server = serve({ fetch: app.fetch, port, hostname: host }, (info) => {
      out.write(`Loaded ${loaded.ruleSet!.rules.length} rules from ${loaded.ruleSet!.files.length} files in ${dir} (version ${loaded.ruleSet!.version})\n`);
      out.write(`Listening on http://${host === '0.0.0.0' ? 'localhost' : host}:${info.port} — POST /webhooks/call-action, GET /healthz\n`);
    });
    server.on('error', (e: NodeJS.ErrnoException) => {
      err.write(`cannot listen on ${host}:${port}: ${e.code === 'EADDRINUSE' ? 'the port is in use; pick another with --port or PORT' : e.message}\n`);
      resolve(1);
    });
    const stop = () => server.close(() => resolve(0));
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}

function parsePort(raw: string): number {
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`port must be a number from 0 to 65535, got "${raw}"`);
  return port;
}

import { serve } from '@hono/node-server';
import { parseArgs } from 'node:util';
import { createApp } from '../http/app.js';
import { jsonLineLogger } from '../http/logger.js';
import { LiveRules } from '../rules/live-rules.js';
import { loadRules } from '../rules/load-rules.js';
import { RulesLoaderWorker } from '../rules/load-rules-in-worker.js';
import { RulesReloader } from '../rules/reload-rules.js';
import { watchRules, type RulesWatcher } from '../rules/watch-rules.js';
import { printDiagnostics, summarizeErrors, type Output } from './print-diagnostics.js';
import { UsageError } from './usage-error.js';

/** `serve`: load the rules (or exit 1 with the same errors as validate) and answer 8x8's webhooks. */
export async function serveCommand(args: string[], out: Output, err: Output, env: NodeJS.ProcessEnv): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { rules: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' }, 'no-watch': { type: 'boolean' } },
  });
  const dir = values.rules ?? env.RULES_DIR ?? 'rules';
  const port = parsePort(values.port ?? env.PORT ?? '3000');
  const host = values.host ?? env.HOST ?? '0.0.0.0';
  const watching = !values['no-watch'] && !['0', 'false', 'no', 'off'].includes((env.WATCH ?? '').toLowerCase());

  const loaded = await loadRules(dir);
  printDiagnostics(loaded.diagnostics, loaded.texts, err);
  if (!loaded.ruleSet) {
    err.write(`\n${summarizeErrors(loaded.diagnostics)}: not starting. Run \`npm run validate -- ${dir}\` after fixing them.\n`);
    return 1;
  }
  const rules = new LiveRules(loaded.ruleSet);
  const loader = new RulesLoaderWorker().warmUp();
  const reloader = new RulesReloader({ dir, live: rules, log: jsonLineLogger, load: (d) => loader.load(d) });
  const watcher: RulesWatcher | undefined = watching
    ? await watchRules(dir, () => void reloader.reload('file-change'), {
        onError: (e) => jsonLineLogger({ msg: 'rules-watch-error', dir, error: e.message }),
      })
    : undefined;
  const onHangup = () => void reloader.reload('SIGHUP');
  process.on('SIGHUP', onHangup);
  const app = createApp({ rules, log: jsonLineLogger, reload: () => reloader.reload('admin'), adminToken: env.ADMIN_TOKEN || undefined });

  return await new Promise<number>((resolve) => {
    const server = serve({ fetch: app.fetch, port, hostname: host }, (info) => {
      out.write(`Loaded ${loaded.ruleSet!.rules.length} rules from ${loaded.ruleSet!.files.length} files in ${dir} (version ${loaded.ruleSet!.version})\n`);
      out.write(`Listening on http://${host === '0.0.0.0' ? 'localhost' : host}:${info.port} — POST /webhooks/call-action, GET /healthz\n`);
      out.write(watching ? `Watching ${dir}: saved changes reload the rules (also on SIGHUP)\n` : `Not watching ${dir}: reload with SIGHUP or POST /admin/reload\n`);
    });
    const shutdown = async () => {
      process.off('SIGHUP', onHangup);
      await watcher?.close();
      await reloader.idle();
      await loader.close();
    };
    server.on('error', (e: NodeJS.ErrnoException) => {
      void shutdown();
      err.write(`cannot listen on ${host}:${port}: ${e.code === 'EADDRINUSE' ? 'the port is in use; pick another with --port or PORT' : e.message}\n`);
      resolve(1);
    });
    const stop = () => void shutdown().then(() => server.close(() => resolve(0)));
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}

function parsePort(raw: string): number {
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`port must be a number from 0 to 65535, got "${raw}"`);
  return port;
}

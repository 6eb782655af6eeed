import { serve } from '@hono/node-server';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load-config.js';
import { startupWarnings } from '../config/server-config.js';
import { createApp } from '../http/app.js';
import { closeGracefully } from '../http/graceful-close.js';
import { createLogger } from '../log/create-logger.js';
import { installProcessGuards } from '../log/process-guards.js';
import { Metrics } from '../metrics/metrics.js';
import { LiveRules } from '../rules/live-rules.js';
import { loadRules } from '../rules/load-rules.js';
import { openCallLog } from '../store/open-call-log.js';
import type { ServerConfigFile } from '../types/generated/config.js';
import { RulesLoaderWorker } from '../rules/load-rules-in-worker.js';
import { RulesReloader } from '../rules/reload-rules.js';
import { watchRules, type RulesWatcher } from '../rules/watch-rules.js';
import { printDiagnostics, summarizeErrors, type Output } from './print-diagnostics.js';
import { UsageError } from './usage-error.js';

/** `serve`: load the config and rules (or exit 1 with their errors) and answer 8x8's webhooks. */
export async function serveCommand(args: string[], out: Output, err: Output, env: NodeJS.ProcessEnv): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { rules: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' }, config: { type: 'string' }, 'no-watch': { type: 'boolean' } },
  });
  const flags: ServerConfigFile = {
    ...(values.rules !== undefined ? { rulesDir: values.rules } : {}),
    ...(values.port !== undefined ? { port: parsePort(values.port) } : {}),
    ...(values.host !== undefined ? { host: values.host } : {}),
    ...(values['no-watch'] ? { watch: false } : {}),
  };
  const configFile = values.config ?? (env.CONFIG_FILE || undefined);
  const settings = await loadConfig({ ...(configFile ? { file: configFile } : {}), env, overrides: flags });
  printDiagnostics(settings.diagnostics, settings.texts, err);
  if (!settings.config) {
    const count = settings.diagnostics.filter((d) => d.severity === 'error').length;
    err.write(`\n${count} error${count === 1 ? '' : 's'} in the server configuration: not starting.\n`);
    return 1;
  }
  const config = settings.config;
  const dir = config.rulesDir;

  const loaded = await loadRules(dir);
  printDiagnostics(loaded.diagnostics, loaded.texts, err);
  if (!loaded.ruleSet) {
    err.write(`\n${summarizeErrors(loaded.diagnostics)}: not starting. Run \`npm run validate -- ${dir}\` after fixing them.\n`);
    return 1;
  }

  const logger = createLogger({ level: config.logLevel, format: config.logFormat });
  const log = logger.log;
  const removeGuards = installProcessGuards(log);
  for (const warning of startupWarnings(config)) log({ level: 'warn', msg: warning });

  const rules = new LiveRules(loaded.ruleSet);
  const metrics = new Metrics(rules);
  const calls = openCallLog(config, metrics, log);

  const loader = new RulesLoaderWorker().warmUp();
  const reloader = new RulesReloader({ dir, live: rules, log, load: (d) => loader.load(d), onReport: (r) => metrics.recordReload(r.ok) });
  const watcher: RulesWatcher | undefined = config.watch
    ? await watchRules(dir, () => void reloader.reload('file-change'), {
        onError: (e) => log({ level: 'error', msg: 'rules-watch-error', dir, error: e.message }),
      })
    : undefined;
  const onHangup = () => void reloader.reload('SIGHUP');
  process.on('SIGHUP', onHangup);
  const stopReloading = async () => {
    process.off('SIGHUP', onHangup);
    await watcher?.close();
    await reloader.idle();
    await loader.close();
  };

  const app = createApp({
    rules,
    log,
    metrics,
    reload: () => reloader.reload('admin'),
    ...(calls ? { calls } : {}),
    access: { ...(config.webhookAuth ? { webhookAuth: config.webhookAuth } : {}), allowIps: config.allowIps, trustProxy: config.trustProxy },
    ...(config.adminToken ? { adminToken: config.adminToken } : {}),
    deadlineMs: config.deadlineMs,
  });

  const { port, host } = config;
  return await new Promise<number>((resolve) => {
    const server = serve({ fetch: app.fetch, port, hostname: host }, (info) => {
      out.write(`Loaded ${loaded.ruleSet!.rules.length} rules from ${loaded.ruleSet!.files.length} files in ${dir} (version ${loaded.ruleSet!.version})\n`);
      out.write(`Listening on http://${host === '0.0.0.0' ? 'localhost' : host}:${info.port} — POST /webhooks/call-action, /webhooks/call-status, /webhooks/session-summary; GET /healthz\n`);
      out.write(config.watch ? `Watching ${dir}: saved changes reload the rules (also on SIGHUP)\n` : `Not watching ${dir}: reload with SIGHUP or POST /admin/reload\n`);
    });
    server.on('error', (e: NodeJS.ErrnoException) => {
      void stopReloading();
      err.write(`cannot listen on ${host}:${port}: ${e.code === 'EADDRINUSE' ? 'the port is in use; pick another with --port or PORT' : e.message}\n`);
      calls?.close();
      removeGuards();
      resolve(1);
    });
    // SIGTERM: stop accepting, answer what is in flight, write the decision log and the logs, exit 0.
    const stop = async (signal: string) => {
      const closed = closeGracefully(server, config.shutdownTimeoutMs);
      await stopReloading();
      // Printed once the port is closed, so whoever reads it can rely on it.
      out.write(`${signal}: shutting down — no new connections, finishing requests in flight\n`);
      await closed;
      calls?.close();
      log({ msg: 'stopped', signal });
      await logger.flush();
      removeGuards();
      resolve(0);
    };
    process.once('SIGTERM', () => void stop('SIGTERM'));
    process.once('SIGINT', () => void stop('SIGINT'));
  });
}

function parsePort(raw: string): number {
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`port must be a number from 0 to 65535, got "${raw}"`);
  return port;
}

import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load-config.js';
import { startServer, ListenError, type RunningServer } from '../server/start-server.js';
import { SessionsUnavailable } from '../sessions/open-sessions.js';
import { loadRules } from '../rules/load-rules.js';
import type { ServerConfigFile } from '../types/generated/config.js';
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

  const ruleSet = loaded.ruleSet;
  // Signals are ours from before the port opens: whoever reads "Listening" may signal at once,
  // and a SIGTERM during start-up still closes cleanly once the server is up.
  let running: RunningServer | undefined;
  const onHangup = () => void running?.reload('SIGHUP');
  process.on('SIGHUP', onHangup);
  const stopSignal = new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  try {
    running = await startServer({ config, ruleSet });
  } catch (e) {
    process.off('SIGHUP', onHangup);
    if (!(e instanceof ListenError || e instanceof SessionsUnavailable)) throw e;
    err.write(`${e.message}\n`);
    return 1;
  }
  const { host } = config;
  out.write(`Loaded ${ruleSet.rules.length} rules from ${ruleSet.files.length} files in ${dir} (version ${ruleSet.version})\n`);
  out.write(`Listening on http://${host === '0.0.0.0' ? 'localhost' : host}:${running.port} — POST /webhooks/call-action, /webhooks/call-status, /webhooks/session-summary; GET /healthz\n`);
  if (config.consoleToken || config.adminToken) {
    out.write(`Console at http://${host === '0.0.0.0' ? 'localhost' : host}:${running.port}/console (sign in with ${config.consoleToken ? 'CONSOLE_TOKEN' : 'ADMIN_TOKEN'})\n`);
  }
  out.write(config.watch ? `Watching ${dir}: saved changes reload the rules (also on SIGHUP)\n` : `Not watching ${dir}: reload with SIGHUP or POST /admin/reload\n`);

  const signal = await stopSignal;
  process.off('SIGHUP', onHangup);
  out.write(`${signal}: shutting down — no new connections, finishing requests in flight\n`);
  await running.close(signal);
  return 0;
}

function parsePort(raw: string): number {
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`port must be a number from 0 to 65535, got "${raw}"`);
  return port;
}

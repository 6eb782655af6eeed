import { loadConfig } from '../config/load-config.js';
import { forkRulesLoader } from '../server/fork-rules-loader.js';
import type { RunningServer } from '../server/start-server.js';
import type { ServerConfig } from '../config/server-config.js';
import type { ServerConfigFile } from '../types/generated/config.js';
import { printDiagnostics, summarizeErrors, type Output } from './print-diagnostics.js';
import { UsageError } from './usage-error.js';
import { parseCommandArgs } from './parse-command-args.js';

/** `serve`: load the config and rules (or exit 1 with their errors) and answer 8x8's webhooks. */
export async function serveCommand(args: string[], out: Output, err: Output, env: NodeJS.ProcessEnv): Promise<number> {
  const { values } = parseCommandArgs('serve', args, {
    rules: { type: 'string' },
    port: { type: 'string' },
    host: { type: 'string' },
    config: { type: 'string' },
    'no-watch': { type: 'boolean' },
    'pid-file': { type: 'string' },
  });
  const flags: ServerConfigFile = {
    ...(values.rules !== undefined ? { rulesDir: values.rules } : {}),
    ...(values.port !== undefined ? { port: parsePort(values.port) } : {}),
    ...(values.host !== undefined ? { host: values.host } : {}),
    ...(values['no-watch'] ? { watch: false } : {}),
    ...(values['pid-file'] !== undefined ? { pidFile: values['pid-file'] } : {}),
  };
  const configFile = values.config ?? (env.CONFIG_FILE || undefined);
  const settings = await loadConfig({ ...(configFile ? { file: configFile } : {}), env, overrides: flags });
  printDiagnostics(settings.diagnostics, settings.texts, err);
  if (!settings.config) {
    const count = settings.diagnostics.filter((d) => d.severity === 'error').length;
    err.write(`\n${count} error${count === 1 ? '' : 's'} in the server configuration: not starting.\n`);
    return 1;
  }
  const started = await startServing(settings.config, out, err);
  if (typeof started === 'number') return started;
  const { running, signals, say } = started;

  // SIGTERM: /readyz turns 503, stop accepting, answer what is in flight, write the decision log
  // and the logs, remove the pid file, exit 0.
  const signal = await signals.serve(running);
  say(`${signal}: shutting down — no new connections, finishing requests in flight`, { signal });
  await running.close(signal);
  return 0;
}

/**
 * Loads the first rules and starts the server, or says why not and gives the exit code. Its own
 * function so that nothing of the first rule set outlives it: `serve` then waits for a signal for
 * the process's whole life, and a suspended async function keeps its locals (the first set, 18 MB
 * at 100k rules, was held through every reload).
 */
async function startServing(
  config: ServerConfig,
  out: Output,
  err: Output,
): Promise<number | { running: RunningServer; signals: ReturnType<typeof catchSignals>; say: (msg: string, fields?: Record<string, unknown>) => void }> {
  const dir = config.rulesDir;
  // The loader first: it boots and starts compiling while the rest of the server is imported.
  const forked = forkRulesLoader(config);
  const [{ loadFirstRules, startServer, ListenError }, { PidFileError }, { SessionsUnavailable }] = await Promise.all([
    import('../server/start-server.js'),
    import('../server/pid-file.js'),
    import('../sessions/open-sessions.js'),
  ]);
  const { loaded, loader } = await loadFirstRules(dir, config, forked);
  printDiagnostics(loaded.diagnostics, loaded.texts, err);
  if (!loaded.ruleSet) {
    await loader.close();
    err.write(`\n${summarizeErrors(loaded.diagnostics)}: not starting. Run \`npm run validate -- ${dir}\` after fixing them.\n`);
    return 1;
  }

  const ruleSet = loaded.ruleSet;
  // Signals are ours from before the port opens (and before the pid file exists): whoever reads
  // "Listening" or the pid file may signal at once, and one that arrives during start-up is acted
  // on once the server is up, instead of killing it half-started.
  const signals = catchSignals();
  let running: RunningServer;
  try {
    running = await startServer({ config, ruleSet, loader });
  } catch (e) {
    signals.release();
    await loader.close();
    if (!(e instanceof ListenError || e instanceof PidFileError || e instanceof SessionsUnavailable)) throw e;
    err.write(`error: ${e.message}\n`);
    return 1;
  }
  const { host } = config;
  const server = running;
  // With LOG_FORMAT=json every line on stdout is JSON: a log collector must not meet plain text.
  const say = (msg: string, fields: Record<string, unknown> = {}) => (config.logFormat === 'json' ? server.log({ msg, ...fields }) : out.write(`${msg}\n`));
  const base = `http://${host === '0.0.0.0' ? 'localhost' : host}:${running.port}`;
  say(`Loaded ${ruleSet.rules.length} rules from ${ruleSet.files.length} files in ${dir} (version ${ruleSet.version})`, { rules: ruleSet.rules.length, version: ruleSet.version });
  say(`Listening on ${base} — POST /webhooks/call-action, /webhooks/call-status, /webhooks/session-summary; GET /healthz, /readyz`, { port: running.port });
  if (config.pidFile) say(`Wrote process id ${process.pid} to ${config.pidFile}: reload with kill -HUP "$(cat ${config.pidFile})"`, { pidFile: config.pidFile });
  if (config.consoleToken || config.adminToken) {
    say(`Console at ${base}/console (sign in with ${config.consoleToken ? 'CONSOLE_TOKEN' : 'ADMIN_TOKEN'})`);
  }
  say(config.watch ? `Watching ${dir}: saved changes reload the rules (also on SIGHUP)` : `Not watching ${dir}: reload with SIGHUP or POST /admin/reload`);
  return { running, signals, say };
}

/**
 * SIGHUP reloads; SIGTERM or SIGINT ends `serve`. Ones that arrive while the server starts wait
 * for it; a SIGHUP while it drains is ignored (its default would kill the process mid-drain).
 */
function catchSignals() {
  let server: RunningServer | undefined;
  let hangupWaiting = false;
  let stop: string | undefined;
  let onStop: ((signal: string) => void) | undefined;
  const onHangup = () => {
    if (stop) return;
    if (server) void server.reload('SIGHUP');
    else hangupWaiting = true;
  };
  const stopOn = (signal: string) => () => {
    stop ??= signal;
    onStop?.(stop);
  };
  const onTerm = stopOn('SIGTERM');
  const onInt = stopOn('SIGINT');
  process.on('SIGHUP', onHangup);
  process.once('SIGTERM', onTerm);
  process.once('SIGINT', onInt);
  return {
    /** For a failed start: the process exits on its own, as if nothing had been caught. */
    release() {
      process.off('SIGHUP', onHangup);
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
    },
    /** Resolves with the signal that should stop `running`. */
    serve(running: RunningServer): Promise<string> {
      server = running;
      if (hangupWaiting) onHangup();
      return new Promise<string>((resolve) => {
        onStop = resolve;
        if (stop) resolve(stop);
      });
    },
  };
}

function parsePort(raw: string): number {
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`port must be a number from 0 to 65535, got "${raw}"`);
  return port;
}

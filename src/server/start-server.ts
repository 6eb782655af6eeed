import { serve, type ServerType } from '@hono/node-server';
import type { ChildProcess } from 'node:child_process';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerOptions, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ServerConfig } from '../config/server-config.js';
import { startupWarnings } from '../config/server-config.js';
import type { RuleSet } from '../engine/rule-set.js';
import { createServerApp } from '../http/app.js';
import { isCallAction } from '../http/fast-call-action.js';
import { isSessionCreate } from '../http/fast-sessions-create.js';
import { enforceConnectionLimits, serverOptions, trackResponses, type ConnectionLimits } from '../http/connection-limits.js';
import type { Readiness } from '../http/readyz-route.js';
import { createLogger, type AppLogger } from '../log/create-logger.js';
import { installProcessGuards } from '../log/process-guards.js';
import { Metrics } from '../metrics/metrics.js';
import { openPool } from '../postgres/open-pool.js';
import { LiveRules } from '../reload/live-rules.js';
import { RulesLoaderWorker } from '../reload/load-rules-in-worker.js';
import { loadFirstRules as loadFirst, type LoadResult } from '../reload/load-first-rules.js';
import { RulesReloader, type ReloadReport } from '../reload/reload-rules.js';
import { watchRules, type RulesWatcher } from '../reload/watch-rules.js';
import { openCallLog } from '../store/open-call-log.js';
import { PostgresSharedEvents } from '../store/shared-events.js';
import { openSessions } from '../sessions/open-sessions.js';
import { closeGracefully } from './graceful-close.js';
import { removePidFile, writePidFile } from './pid-file.js';
import { releaseOldRules, RELEASE_FROM_RULES } from '../reload/release-old-rules.js';

export interface StartOptions {
  config: ServerConfig;
  /** The rule set already loaded and checked (the CLI prints its errors before we get here). */
  ruleSet: RuleSet;
  /** Default: pino to stdout as the config says. Tests pass their own. */
  logger?: AppLogger;
  /** The loader that made `ruleSet` (see `loadFirstRules`): reloads reuse it. Default: a new one. */
  loader?: RulesLoaderWorker;
}

/** The rules loader for a server with this config: a worker process, booting from now on (or `forked` by forkRulesLoader). */
function rulesLoader(config: ServerConfig, forked?: ChildProcess): RulesLoaderWorker {
  return new RulesLoaderWorker({ timeoutMs: config.reloadTimeoutMs, memoryMb: config.reloadMemoryMb, cacheDir: rulesCacheDir(config), ...(forked ? { forked } : {}) }).warmUp();
}

/** The compiled-rules cache folder, or undefined when it is off. */
function rulesCacheDir(config: ServerConfig): string | undefined {
  return config.rulesCache === 'off' ? undefined : config.rulesCache;
}

/**
 * `serve`'s first load (see loadFirstRules in src/reload), with the loader the server then reuses:
 * the one `forkRulesLoader` started, if given.
 */
export async function loadFirstRules(dir: string, config: ServerConfig, forked?: ChildProcess): Promise<{ loaded: LoadResult; loader: RulesLoaderWorker }> {
  const loader = rulesLoader(config, forked);
  return { loaded: await loadFirst(loader, dir, rulesCacheDir(config)), loader };
}

export interface RunningServer {
  /** The port actually bound (useful with port 0). */
  port: number;
  host: string;
  reload(trigger: string): Promise<ReloadReport>;
  /** The server's logger, so the CLI's start-up lines are JSON too when the logs are (LOG_FORMAT=json). */
  log: AppLogger['log'];
  /** From now on GET /readyz answers 503 `draining` (everything else is still served). close() does this first. */
  drain(): void;
  /** Drain, stop accepting, answer what is in flight, write the decision log and the logs, remove the pid file. Idempotent. */
  close(reason?: string): Promise<void>;
}

export class ListenError extends Error {
  constructor(
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The one place the server is wired: config, logs, metrics, decision log, live rules, reload,
 * watcher, HTTP, readiness, pid file. Resolves once the port is bound and the server is ready;
 * on a failed start everything it opened is closed again. The caller owns signals and printing.
 */
export async function startServer(options: StartOptions): Promise<RunningServer> {
  const { config, ruleSet } = options;
  const dir = config.rulesDir;
  const logger = options.logger ?? createLogger({ level: config.logLevel, format: config.logFormat });
  const log = logger.log;
  const removeGuards = installProcessGuards(log);
  for (const warning of startupWarnings(config)) log({ level: 'warn', msg: warning });

  const rules = new LiveRules(ruleSet);
  const metrics = new Metrics(rules);
  // One bounded pool for every store that lives in PostgreSQL (DATABASE_URL); none without it.
  const database = config.databaseUrl ? openPool({ url: config.databaseUrl, max: config.databasePoolMax, log }) : undefined;
  let sessions;
  try {
    sessions = await openSessions(config, () => rules.current().pools, log, database);
  } catch (e) {
    await database?.end();
    removeGuards();
    throw e;
  }
  if (sessions) metrics.trackSessionsStore(() => sessions.health());
  const calls = openCallLog(config, metrics, log, {}, database && config.databaseUrl ? { pool: database, url: config.databaseUrl } : undefined);
  if (calls) metrics.watchCallLog(() => calls.health());
  // Shared answers live in the decision log's tables: they come with it.
  const shared = database && calls ? new PostgresSharedEvents(database) : undefined;
  /** The stores last: each writes what it still holds, then the pool they share goes. */
  const closeStores = async () => {
    await calls?.close();
    await shared?.close();
    await sessions?.close();
    await database?.end();
  };

  const loader = options.loader ?? rulesLoader(config);
  const reloader = new RulesReloader({
    dir,
    live: rules,
    log,
    load: (d) => loader.load(d),
    onReport: (r) => {
      metrics.recordReload(r.ok);
      if (r.ok && r.rules >= RELEASE_FROM_RULES) void releaseOldRules().then((ms) => log({ level: 'info', msg: 'old-rules-released', startMs: Math.round(ms * 10) / 10 }));
    },
  });
  let watcher: RulesWatcher | undefined;
  const stopReloading = async () => {
    await watcher?.close();
    await reloader.idle();
    await loader.close();
  };

  let readiness: Readiness = 'starting';
  const { app, callAction, sessionCreate } = createServerApp({
    rules,
    readiness: () => readiness,
    log,
    metrics,
    reload: () => reloader.reload('admin'),
    ...(calls ? { calls } : {}),
    ...(shared ? { shared } : {}),
    access: { ...(config.webhookAuth ? { webhookAuth: config.webhookAuth } : {}), allowIps: config.allowIps, trustProxy: config.trustProxy },
    ...(config.adminToken ? { adminToken: config.adminToken } : {}),
    ...(sessions ? { sessions } : {}),
    ...(config.apiToken ? { apiToken: config.apiToken } : {}),
    ...(config.consoleToken ? { consoleToken: config.consoleToken } : {}),
    rulesDir: dir,
    reloading: () => reloader.busy,
    deadlineMs: config.deadlineMs,
  });

  let server: ServerType;
  try {
    server = await listen(app.fetch, { callAction, ...(sessionCreate ? { sessionCreate } : {}) }, config.port, config.host, config);
  } catch (e) {
    await stopReloading();
    await closeStores();
    removeGuards();
    throw e;
  }
  enforceConnectionLimits(server as Server, config, log, metrics);
  const openResponses = trackResponses(server as Server);
  const { pidFile } = config;
  const dropPidFile = () => {
    if (pidFile) removePidFile(pidFile);
  };
  try {
    if (config.watch) {
      watcher = await watchRules(dir, () => void reloader.reload('file-change'), {
        onError: (e) => log({ level: 'error', msg: 'rules-watch-error', dir, error: e.message }),
      });
    }
    if (pidFile) {
      writePidFile(pidFile);
      // Also on an exit that skips close() (process.exit elsewhere): never leave a stale pid behind.
      process.once('exit', dropPidFile);
    }
  } catch (e) {
    const closed = closeGracefully(server, 0, openResponses);
    await stopReloading();
    await closed;
    await closeStores();
    removeGuards();
    throw e;
  }
  readiness = 'ready';

  const drain = () => void (readiness = 'draining');
  let closing: Promise<void> | undefined;
  const close = (reason = 'close') =>
    (closing ??= (async () => {
      drain();
      const closed = closeGracefully(server, config.shutdownTimeoutMs, openResponses);
      await stopReloading();
      await closed;
      // Waits for the writer threads to commit the last records.
      await closeStores();
      if (pidFile) {
        dropPidFile();
        process.off('exit', dropPidFile);
      }
      log({ msg: 'stopped', signal: reason });
      await logger.flush();
      removeGuards();
    })());

  return { port: (server.address() as AddressInfo).port, host: config.host, reload: (trigger) => reloader.reload(trigger), log, drain, close };
}

type NodeHandler = (req: IncomingMessage, res: ServerResponse) => void;

function listen(fetch: Parameters<typeof serve>[0]['fetch'], fast: { callAction: NodeHandler; sessionCreate?: NodeHandler }, port: number, hostname: string, limits: ConnectionLimits): Promise<ServerType> {
  const { callAction, sessionCreate } = fast;
  return new Promise((resolve, reject) => {
    // The hot endpoints go straight to their node:http handlers; everything else through Hono.
    const route = (req: IncomingMessage, res: ServerResponse, hono: NodeHandler) => {
      if (isCallAction(req)) return callAction(req, res);
      if (sessionCreate && isSessionCreate(req)) return sessionCreate(req, res);
      hono(req, res);
    };
    const createServer = (options: ServerOptions, hono?: NodeHandler) => createHttpServer(options, (req, res) => route(req, res, hono!));
    const server = serve({ fetch, port, hostname, serverOptions: serverOptions(limits), createServer: createServer as typeof createHttpServer }, () => resolve(server));
    server.once('error', (e: NodeJS.ErrnoException) => {
      const reason = e.code === 'EADDRINUSE' ? 'the port is in use; pick another with --port or PORT' : e.message;
      reject(new ListenError(e.code, `cannot listen on ${hostname}:${port}: ${reason}`));
    });
  });
}

import { Hono } from 'hono';
import type { RuleSet } from '../engine/rule-set.js';
import { Metrics } from '../metrics/metrics.js';
import type { RulesHealth } from '../reload/live-rules.js';
import type { CallRecorder } from '../store/call-recorder.js';
import type { CallStatusEvent } from '../types/generated/call-status.js';
import type { SessionSummaryEvent } from '../types/generated/session-summary.js';
import type { ReloadReport } from '../reload/reload-rules.js';
import { adminRoute } from './admin-route.js';
import { adminAuth } from './admin-auth.js';
import { apiAuth } from './api-auth.js';
import type { Sessions } from '../sessions/sessions-service.js';
import { sessionsRoute, sessionWrites } from './sessions-route.js';
import { fastSessionCreate } from './fast-sessions-create.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { callActionAnswerer } from './answer-call-action.js';
import { callActionRoute } from './call-action-route.js';
import { fastCallAction } from './fast-call-action.js';
import { CallObserver } from '../store/call-observer.js';
import { sharedAnswerer, throttledLog, type SharedEvents } from '../store/shared-events.js';
import { callsRoute } from './calls-route.js';
import { consoleRoutes } from '../console/console-routes.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { jsonError } from '../web/errors.js';
import { silentLogger, type Logger } from '../log/logger.js';
import { requestLog } from './request-log.js';
import { readyzRoute, type Readiness } from './readyz-route.js';
import { schemaRoute } from './schema-route.js';
import { telemetryRoute } from './telemetry-route.js';
import { webhookGuard, type WebhookGuardOptions } from './webhook-guard.js';

export interface AppDeps {
  rules: { current(): RuleSet; health(): RulesHealth; diagnostics?(): readonly Diagnostic[] };
  log?: Logger;
  /** Webhook secret, source allowlist and trusted proxies; default: no checks. */
  access?: WebhookGuardOptions;
  /** Bearer token for /metrics, /calls and /admin; unset = those answer 404. */
  adminToken?: string;
  /** Call-action deadline in ms (default: the config's `deadlineMs`). */
  deadlineMs?: number;
  /** Default: a fresh registry reading the rules' health. */
  metrics?: Metrics;
  /** The decision log; without it nothing is recorded and /calls says so. */
  calls?: CallRecorder;
  /** Several routers on PostgreSQL: first answers to repeated deliveries and status/summary dedupe, shared. */
  shared?: SharedEvents;
  /** Token for the web console at /console; default: the admin token; neither = /console answers 404. */
  consoleToken?: string;
  /** The rules folder, for the console to show a problem's source line (it never shows the folder itself). */
  rulesDir?: string;
  /** Whether a reload is running, for the console's status page. */
  reloading?: () => boolean;
  /** Reloads the rules now (POST /admin/reload); the endpoint exists only when given. */
  reload?: () => Promise<ReloadReport>;
  /** What GET /readyz reports; default: always ready (the rules are given already loaded). */
  readiness?: () => Readiness;
  /** Live masking sessions: asked on every call, and managed through /sessions. */
  sessions?: Sessions;
  /** Bearer token for /sessions; unset (or no sessions) = the API answers 404. */
  apiToken?: string;
}

export function createApp(deps: AppDeps): Hono {
  return createServerApp(deps).app;
}

export interface ServerApp {
  app: Hono;
  /** POST /webhooks/call-action on node:http directly, sharing the app's guard, answerer, metrics and log. */
  callAction: (req: IncomingMessage, res: ServerResponse) => void;
  /** POST /sessions on node:http directly, sharing the route's writes (and their turn budget); only while the API is on. */
  sessionCreate?: (req: IncomingMessage, res: ServerResponse) => void;
}

/** The app, plus the fast path for the one hot endpoint that start-server puts in front of it. */
export function createServerApp(deps: AppDeps): ServerApp {
  const log = deps.log ?? silentLogger;
  const metrics = deps.metrics ?? new Metrics(deps.rules);
  const observer = new CallObserver(metrics, log, deps.calls, deps.shared);
  const sharedUnavailable = throttledLog(log);
  const sharedAnswer = deps.shared
    ? sharedAnswerer(deps.shared, (eventId, why) => {
        metrics.recordSharedStateUnavailable('answer');
        sharedUnavailable({ level: 'warn', msg: 'shared-answer-unavailable', eventId, error: why, effect: 'answered from the rules by this router alone; a repeat on another router may be decided afresh' });
      })
    : undefined;
  const app = new Hono();
  const access = deps.access ?? {};
  const answer = callActionAnswerer({
    currentRules: () => deps.rules.current(),
    log,
    onAnswer: (r) => observer.callAction(r),
    ...(sharedAnswer ? { sharedAnswer } : {}),
    ...(deps.deadlineMs ? { deadlineMs: deps.deadlineMs } : {}),
    ...(deps.sessions ? { sessions: deps.sessions.lookup, onSessionCall: deps.sessions.noteCall.bind(deps.sessions) } : {}),
  });

  app.use('*', requestLog(log, metrics));
  app.use('/webhooks/*', webhookGuard(access));
  app.route('/webhooks/call-action', callActionRoute({ currentRules: () => deps.rules.current(), log }, answer));
  app.route(
    '/webhooks/call-status',
    telemetryRoute<CallStatusEvent>({
      schema: 'call-status',
      accept: (e, text) => observer.callStatus(e.payload, text),
      logFields: ({ payload: p }) => ({ eventId: p.eventId, callId: p.callId, sessionId: p.sessionId, callStatus: p.callStatus, sipCode: p.sipCode }),
    }),
  );
  app.route(
    '/webhooks/session-summary',
    telemetryRoute<SessionSummaryEvent>({
      schema: 'session-summary',
      accept: (e, text) => observer.sessionSummary(e.payload, text),
      logFields: ({ payload: p }) => ({ sessionId: p.sessionId, sessionStatus: p.sessionStatus }),
    }),
  );

  // The stores' states too: 'degraded' while records wait for PostgreSQL or the sessions cannot be written (calls are still answered).
  app.get('/healthz', (c) => c.json({ ...deps.rules.health(), ...(deps.calls ? { callLog: deps.calls.health() } : {}), ...(deps.sessions ? { sessions: deps.sessions.health() } : {}) }));
  app.all('/healthz', (c) => jsonError(c, 405, 'method-not-allowed', 'use GET for /healthz'));
  app.route('/schema', schemaRoute());
  app.route('/readyz', readyzRoute({ readiness: deps.readiness ?? (() => 'ready'), currentRules: () => deps.rules.current() }));

  const admin = adminAuth(deps.adminToken);
  app.use('/metrics', admin);
  app.use('/calls/*', admin);
  app.use('/admin/*', admin);
  app.get('/metrics', async (c) => c.body(await metrics.text(), 200, { 'content-type': metrics.contentType }));
  app.route('/calls', callsRoute(observer, metrics, log));
  if (deps.reload) app.route('/admin', adminRoute({ reload: deps.reload }));
  app.route(
    '/console',
    consoleRoutes({
      token: deps.consoleToken ?? deps.adminToken,
      rules: deps.rules,
      metrics,
      ...(deps.calls ? { calls: deps.calls } : {}),
      ...(deps.rulesDir ? { rulesDir: deps.rulesDir } : {}),
      ...(deps.reloading ? { reloading: deps.reloading } : {}),
      ...(deps.sessions ? { sessions: deps.sessions } : {}),
    }),
  );

  const api = apiAuth(deps.sessions ? deps.apiToken : undefined);
  app.use('/sessions', api);
  app.use('/sessions/*', api);
  const writes = deps.sessions ? sessionWrites(deps.sessions) : undefined;
  if (deps.sessions) app.route('/sessions', sessionsRoute(deps.sessions, undefined, writes));

  app.notFound((c) => jsonError(c, 404, 'not-found', `no endpoint at ${c.req.method} ${c.req.path}`));
  app.onError((e, c) => {
    log({ level: 'error', msg: 'unhandled-error', path: c.req.path, error: e instanceof Error ? e.message : String(e) });
    return jsonError(c, 500, 'internal-error', 'the server could not handle this request');
  });
  return {
    app,
    callAction: fastCallAction({ answer, access, log, metrics }),
    ...(writes && deps.apiToken ? { sessionCreate: fastSessionCreate({ writes, token: deps.apiToken, log, metrics }) } : {}),
  };
}

import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { RuleSet } from '../engine/rule-set.js';
import type { RulesHealth } from '../rules/live-rules.js';
import type { ReloadReport } from '../rules/reload-rules.js';
import { adminRoute } from './admin-route.js';
import { callActionRoute } from './call-action-route.js';
import { jsonError } from './errors.js';
import { silentLogger, type Logger } from './logger.js';

/** A 8x8 event is about 1 KiB; 64 KiB leaves room for fields 8x8 may add, and no more. */
export const MAX_BODY_BYTES = 64 * 1024;

export interface AppDeps {
  rules: { current(): RuleSet; health(): RulesHealth };
  log?: Logger;
  /** Reloads the rules now (POST /admin/reload); the endpoint exists only when given. */
  reload?: () => Promise<ReloadReport>;
  /** ADMIN_TOKEN for /admin/*; unset turns those endpoints off. */
  adminToken?: string;
}

export function createApp(deps: AppDeps): Hono {
  const log = deps.log ?? silentLogger;
  const app = new Hono();

  app.use(
    '/webhooks/*',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) => jsonError(c, 413, 'body-too-large', `the request body is over ${MAX_BODY_BYTES / 1024} KiB`),
    }),
  );
  app.route('/webhooks/call-action', callActionRoute({ currentRules: () => deps.rules.current(), log }));

  if (deps.reload) app.route('/admin', adminRoute({ token: deps.adminToken, reload: deps.reload }));

  app.get('/healthz', (c) => c.json(deps.rules.health()));
  app.all('/healthz', (c) => jsonError(c, 405, 'method-not-allowed', 'use GET for /healthz'));

  app.notFound((c) => jsonError(c, 404, 'not-found', `no endpoint at ${c.req.method} ${c.req.path}`));
  app.onError((e, c) => {
    log({ msg: 'unhandled-error', path: c.req.path, error: e instanceof Error ? e.message : String(e) });
    return jsonError(c, 500, 'internal-error', 'the server could not handle this request');
  });
  return app;
}

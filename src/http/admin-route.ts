import { Hono } from 'hono';
import type { ReloadReport } from '../reload/reload-rules.js';
import { jsonError } from '../web/errors.js';

export interface AdminDeps {
  reload: () => Promise<ReloadReport>;
}

/** Operator endpoints under /admin (behind adminAuth in app.ts). POST /admin/reload reloads the rules and says how it went. */
export function adminRoute(deps: AdminDeps): Hono {
  const app = new Hono();
  // 200 even when the new rules are bad: the reload ran, and `ok: false` with `errors` is its answer.
  app.post('/reload', async (c) => c.json(await deps.reload()));
  app.all('/reload', (c) => jsonError(c, 405, 'method-not-allowed', 'use POST for /admin/reload'));
  return app;
}

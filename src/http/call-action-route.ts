import { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { callActionAnswerer, type CallActionDeps } from './answer-call-action.js';
import { jsonError } from '../web/errors.js';
import { addLogFields } from './log-fields.js';
import { readJson } from './read-json.js';

export type { CallActionDeps } from './answer-call-action.js';

/** POST /webhooks/call-action through Hono (app.request, and any path the fast server lets through). */
export function callActionRoute(deps: CallActionDeps, answerer = callActionAnswerer(deps)): Hono {
  const app = new Hono();
  app.post('/', async (c) => {
    const answered = await answerer(() => readJson(c));
    // The deadline answered first: this late result is dropped.
    if (!answered) return c.body(null);
    addLogFields(c, answered.fields);
    return c.body(answered.text, answered.status as ContentfulStatusCode, { 'content-type': 'application/json' });
  });
  app.all('/', (c) => jsonError(c, 405, 'method-not-allowed', `use POST for ${c.req.path}`));
  return app;
}

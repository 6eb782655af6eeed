import { Hono } from 'hono';
import { jsonError } from '../web/errors.js';
import { addLogFields } from './log-fields.js';
import { bodyError, readJson } from './read-json.js';
import { eventValidator } from '../events/validate-event.js';

export interface TelemetryRouteOptions<T> {
  /** Schema name in schema/, e.g. call-status. */
  schema: string;
  /** Records the event; resolves false when it is a duplicate delivery. Must not reject. */
  accept: (event: T, eventText: string) => boolean | Promise<boolean>;
  /** Fields for the request's log line. */
  logFields: (event: T) => Record<string, unknown>;
}

/**
 * An endpoint for events 8x8 sends for information only (call status, session summary): 8x8
 * ignores the body of our answer, so we validate, hand the event over and answer 200 at once.
 */
export function telemetryRoute<T>(options: TelemetryRouteOptions<T>): Hono {
  const validate = eventValidator<T>(options.schema);
  const app = new Hono();
  app.post('/', async (c) => {
    const body = await readJson(c);
    if (!body.ok) return bodyError(c, body.problem, body.contentType);
    const checked = validate(body.value);
    if (!checked.ok) return jsonError(c, 400, checked.error.code, checked.error.message, checked.error.field);
    const fresh = await options.accept(checked.value, body.text);
    addLogFields(c, { ...options.logFields(checked.value), ...(fresh ? {} : { duplicate: true }) });
    return c.json({ received: true, duplicate: !fresh });
  });
  app.all('/', (c) => jsonError(c, 405, 'method-not-allowed', `use POST for ${c.req.path}`));
  return app;
}

import { Hono } from 'hono';
import type { Logger } from '../log/logger.js';
import type { CallObserver } from '../store/call-observer.js';
import { jsonError } from '../web/errors.js';
import type { Metrics } from '../metrics/metrics.js';

/** GET /calls/:sessionId — the decision log of one session, for an operator asking "what happened?". */
export function callsRoute(observer: CallObserver, metrics: Metrics, log: Logger): Hono {
  const app = new Hono();
  app.get('/:sessionId', async (c) => {
    const sessionId = c.req.param('sessionId');
    if (!observer.hasCallLog) return jsonError(c, 404, 'call-log-off', 'the decision log is off: set CALL_LOG to a file path to keep one');
    const unavailable = observer.callLogUnavailable;
    if (unavailable !== undefined) {
      return jsonError(c, 503, 'call-log-unavailable', `the decision log cannot be opened (${unavailable}); calls are still answered and opening is retried every few seconds; see the server log`);
    }
    try {
      const story = await observer.story(sessionId);
      if (!story) return jsonError(c, 404, 'unknown-session', `nothing is recorded for session ${sessionId} (it may be older than the retention period)`);
      return c.json(story);
    } catch (e) {
      metrics.recordStoreError();
      log({ level: 'error', msg: 'call-log-read-failed', sessionId, error: e instanceof Error ? e.message : String(e) });
      return jsonError(c, 503, 'call-log-unavailable', 'the decision log cannot be read right now; see the server log');
    }
  });
  app.all('/:sessionId', (c) => jsonError(c, 405, 'method-not-allowed', `use GET for ${c.req.path}`));
  return app;
}

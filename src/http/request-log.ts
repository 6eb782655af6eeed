import type { MiddlewareHandler } from 'hono';
import type { Metrics } from '../metrics/metrics.js';
import type { Logger } from '../log/logger.js';

const ENDPOINTS = new Set(['/webhooks/call-action', '/webhooks/call-status', '/webhooks/session-summary', '/healthz', '/readyz', '/metrics']);
/** Scraped every few seconds: logged at debug so they do not drown the call lines. */
const QUIET = new Set(['/healthz', '/readyz', '/metrics']);

/** The endpoint label for metrics: a fixed set, so random paths cannot create new series. */
export function endpointOf(path: string): string {
  if (ENDPOINTS.has(path)) return path;
  if (path.startsWith('/calls/')) return '/calls/:sessionId';
  if (path.startsWith('/admin/')) return '/admin';
  return 'other';
}

/** One log line and one request count per request, with whatever fields the route added. */
export function requestLog(log: Logger, metrics: Metrics): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    await next();
    const ms = Math.round((performance.now() - started) * 1000) / 1000;
    const endpoint = endpointOf(c.req.path);
    metrics.recordRequest(endpoint, c.res.status);
    log({
      // A 503 from /readyz is its answer (starting or draining), not a failure.
      level: QUIET.has(c.req.path) && (c.res.status < 400 || (c.req.path === '/readyz' && c.res.status === 503)) ? 'debug' : c.res.status >= 500 ? 'error' : 'info',
      msg: 'request',
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms,
      ...c.get('logFields'),
    });
  };
}

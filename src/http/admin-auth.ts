import type { MiddlewareHandler } from 'hono';
import { jsonError } from '../web/errors.js';
import { secretMatcher } from '../web/secrets.js';

/**
 * Guards operator endpoints (/admin/*, /metrics, /calls) with `Authorization: Bearer <ADMIN_TOKEN>`.
 * With no token configured they are off (404), so a fresh install exposes nothing.
 */
export function adminAuth(token: string | undefined): MiddlewareHandler {
  const matches = token ? secretMatcher(`Bearer ${token}`) : undefined;
  return async (c, next) => {
    if (!token || !matches) return jsonError(c, 404, 'admin-disabled', 'this endpoint is off: set ADMIN_TOKEN to enable it');
    const header = c.req.header('authorization') ?? '';
    if (!matches(header)) {
      return jsonError(c, 401, 'unauthorized', 'send the admin token as `Authorization: Bearer <ADMIN_TOKEN>`');
    }
    await next();
  };
}

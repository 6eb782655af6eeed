import type { MiddlewareHandler } from 'hono';
import { safeEqual } from '../web/secrets.js';
import { jsonError } from '../web/errors.js';

/**
 * Guards the sessions API with `Authorization: Bearer <API_TOKEN>`, a token of its own (the
 * booking app holds it, not the operators). With no token configured the API is off (404).
 */
export function apiAuth(token: string | undefined): MiddlewareHandler {
  return async (c, next) => {
    if (!token) return jsonError(c, 404, 'api-disabled', 'the sessions API is off: set API_TOKEN to enable it');
    if (!safeEqual(c.req.header('authorization') ?? '', `Bearer ${token}`)) {
      return jsonError(c, 401, 'unauthorized', 'send the API token as `Authorization: Bearer <API_TOKEN>`');
    }
    await next();
  };
}

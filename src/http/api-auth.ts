import type { MiddlewareHandler } from 'hono';
import { secretMatcher } from '../web/secrets.js';
import { jsonError } from '../web/errors.js';

/** What a request without the right token is told (here and on the create fast path). */
export const UNAUTHORIZED_MESSAGE = 'send the API token as `Authorization: Bearer <API_TOKEN>`';

/**
 * Guards the sessions API with `Authorization: Bearer <API_TOKEN>`, a token of its own (the
 * booking app holds it, not the operators). With no token configured the API is off (404).
 */
export function apiAuth(token: string | undefined): MiddlewareHandler {
  // Hashed once here, not on every request.
  const matches = token ? secretMatcher(`Bearer ${token}`) : undefined;
  return async (c, next) => {
    if (!matches) return jsonError(c, 404, 'api-disabled', 'the sessions API is off: set API_TOKEN to enable it');
    if (!matches(c.req.header('authorization') ?? '')) {
      return jsonError(c, 401, 'unauthorized', UNAUTHORIZED_MESSAGE);
    }
    await next();
  };
}

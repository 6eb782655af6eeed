import { timingSafeEqual, createHash } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { jsonError } from './errors.js';

/** Constant-time string comparison (hashing first makes the lengths equal). */
export function safeEqual(a: string, b: string): boolean {
  return secretMatcher(b)(a);
}

/** A constant-time check against one secret, hashed once up front rather than on every request. */
export function secretMatcher(secret: string): (candidate: string) => boolean {
  const expected = createHash('sha256').update(secret).digest();
  return (candidate) => timingSafeEqual(createHash('sha256').update(candidate).digest(), expected);
}

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

import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** The one error shape of every 4xx as text: { error: { code, message, field? } }. */
export function errorBody(code: string, message: string, field?: string): string {
  return JSON.stringify({ error: { code, message, ...(field ? { field } : {}) } });
}

/** The one error shape of every 4xx: { error: { code, message, field? } }. */
export function jsonError(c: Context, status: ContentfulStatusCode, code: string, message: string, field?: string) {
  return c.body(errorBody(code, message, field), status, { 'content-type': 'application/json' });
}

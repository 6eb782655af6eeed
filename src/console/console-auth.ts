import { createHmac } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie, setCookie, deleteCookie } from 'hono/cookie';
import { safeEqual } from '../web/secrets.js';

const COOKIE = 'console_session';
const COOKIE_PATH = '/console';

/**
 * The cookie holds a keyed hash of the token, never the token: someone who reads it from a
 * browser profile learns nothing they can send as a bearer header elsewhere.
 */
function sessionValue(token: string): string {
  return createHmac('sha256', token).update('8x8-call-router console session').digest('base64url');
}

/** Whether the request carries the console token, as a bearer header or the login cookie. */
export function credentials(c: Context, token: string): 'ok' | 'wrong' | 'none' {
  const header = c.req.header('authorization');
  if (header !== undefined) return safeEqual(header, `Bearer ${token}`) ? 'ok' : 'wrong';
  const cookie = getCookie(c, COOKIE);
  if (cookie !== undefined) return safeEqual(cookie, sessionValue(token)) ? 'ok' : 'wrong';
  return 'none';
}

function isHttps(c: Context): boolean {
  return new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https';
}

export function signIn(c: Context, token: string): void {
  setCookie(c, COOKIE, sessionValue(token), { path: COOKIE_PATH, httpOnly: true, sameSite: 'Strict', secure: isHttps(c), maxAge: 12 * 60 * 60 });
}

export function signOut(c: Context): void {
  deleteCookie(c, COOKIE, { path: COOKIE_PATH, httpOnly: true, sameSite: 'Strict', secure: isHttps(c) });
}

/** Headers every console answer carries: no caching, no framing, no scripts or styles from elsewhere. */
export const securityHeaders: MiddlewareHandler = async (c, next) => {
  await next();
  c.header('cache-control', 'no-store');
  c.header('content-security-policy', "default-src 'none'; style-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
  c.header('x-content-type-options', 'nosniff');
  c.header('referrer-policy', 'no-referrer');
};

/** A path inside the console to go back to after signing in; anything else goes to the status page. */
export function safeNext(next: string | undefined): string {
  return next && /^\/console(\/[A-Za-z0-9._~\-/%]*)?(\?[^\s#]*)?$/.test(next) && !next.includes('..') ? next : '/console';
}

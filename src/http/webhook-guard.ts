import type { Context, MiddlewareHandler } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import { ipRanges } from '../config/ip-ranges.js';
import { secretMatcher } from '../web/secrets.js';
import { clientIpResolver, type TrustProxy } from './client-ip.js';
import { jsonError } from '../web/errors.js';

export interface WebhookGuardOptions {
  /** The exact Authorization header 8x8 sends (httpAuthHeader); undefined = no check. */
  webhookAuth?: string;
  /** Addresses/CIDRs allowed to call; empty = any. */
  allowIps?: readonly string[];
  trustProxy?: TrustProxy;
}

export interface AccessDenied {
  status: 401 | 403;
  code: 'forbidden' | 'unauthorized';
  message: string;
}

/**
 * Who may call the webhooks: first the source address (403 outside the allowlist), then the
 * shared secret (401 when missing or wrong, compared in constant time, with no hint).
 */
export function accessCheck(options: WebhookGuardOptions): (socketAddress: string | undefined, forwardedFor: string | undefined, authorization: string | undefined) => AccessDenied | undefined {
  const allowed = options.allowIps && options.allowIps.length > 0 ? remembered(ipRanges(options.allowIps)) : undefined;
  const resolveIp = clientIpResolver(options.trustProxy ?? 0);
  const secret = options.webhookAuth === undefined ? undefined : secretMatcher(options.webhookAuth);
  return (socket, xff, authorization) => {
    if (allowed) {
      const ip = resolveIp(socket, xff);
      if (ip === undefined || !allowed(ip)) return { status: 403, code: 'forbidden', message: 'this address may not call the webhooks' };
    }
    if (secret !== undefined && !secret(authorization ?? '')) return { status: 401, code: 'unauthorized', message: 'missing or wrong Authorization header' };
    return undefined;
  };
}

/**
 * The allowlist answer per address, remembered: 8x8 calls from a handful of addresses, and parsing
 * one into a SocketAddress for the range check costs more than the rest of the guard. Bounded:
 * past 4,096 addresses the memory starts over.
 */
function remembered(test: (ip: string) => boolean): (ip: string) => boolean {
  const known = new Map<string, boolean>();
  return (ip) => {
    let hit = known.get(ip);
    if (hit === undefined) {
      if (known.size >= 4096) known.clear();
      hit = test(ip);
      known.set(ip, hit);
    }
    return hit;
  };
}

export function webhookGuard(options: WebhookGuardOptions): MiddlewareHandler {
  const check = accessCheck(options);
  return async (c, next) => {
    const denied = check(socketAddress(c), c.req.header('x-forwarded-for'), c.req.header('authorization'));
    if (denied) return jsonError(c, denied.status, denied.code, denied.message);
    await next();
  };
}

/** The peer address of the TCP connection; undefined when the app runs without a socket (app.request). */
function socketAddress(c: Context): string | undefined {
  try {
    return getConnInfo(c).remote.address;
  } catch {
    return undefined;
  }
}

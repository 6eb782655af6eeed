import { describe, expect, it } from 'vitest';
import { clientIpResolver } from '../src/http/client-ip.js';
import { ADMIN, example, post, testServer } from './helpers/webhook-app.js';

const SECRET = 'Bearer 8x8-shared-secret-0123456789';
const WEBHOOKS = [
  ['/webhooks/call-action', 'call-action'],
  ['/webhooks/call-status', 'call-status'],
  ['/webhooks/session-summary', 'session-summary'],
] as const;

/** What @hono/node-server passes the app: the socket the request came in on. */
const from = (remoteAddress: string) => ({ incoming: { socket: { remoteAddress, remotePort: 40000, remoteFamily: remoteAddress.includes(':') ? 'IPv6' : 'IPv4' } } });

describe('webhook authentication (httpAuthHeader)', () => {
  describe.each(WEBHOOKS)('%s', (path, sample) => {
    it.each([
      ['no Authorization header', {}, 401],
      ['a wrong secret', { authorization: 'Bearer guess' }, 401],
      ['the secret with different case', { authorization: SECRET.toUpperCase() }, 401],
      ['the secret plus a suffix', { authorization: `${SECRET}x` }, 401],
      ['the right secret', { authorization: SECRET }, 200],
    ])('answers %s with %i', async (_what, headers, status) => {
      const { app, log } = await testServer({ access: { webhookAuth: SECRET } });
      const res = await post(app, path, example(sample), headers);
      expect(res.status).toBe(status);
      if (status === 401) {
        expect(await res.json()).toEqual({ error: { code: 'unauthorized', message: 'missing or wrong Authorization header' } });
        // Refused before the event is read: nothing recorded, no call fields in the log.
        expect(log[0]).not.toHaveProperty('sessionId');
      }
    });
  });

  it('does not check when no secret is configured', async () => {
    const { app } = await testServer();
    expect((await post(app, '/webhooks/call-action', example('call-action'))).status).toBe(200);
  });
});

describe('source address allowlist', () => {
  const access = { allowIps: ['18.140.80.2', '52.220.253.234', '54.255.116.8', '52.74.232.241', '10.1.0.0/16'] };

  it.each([
    ['an 8x8 Singapore address', '18.140.80.2', 200],
    ['an address inside a CIDR range', '10.1.200.7', 200],
    ['the same address seen on a dual-stack socket', '::ffff:52.74.232.241', 200],
    ['an address outside the list', '203.0.113.9', 403],
    ['an IPv6 address outside the list', '2001:db8::1', 403],
  ])('answers a request from %s (%s) with %i', async (_what, ip, status) => {
    const { app } = await testServer({ access });
    const res = await post(app, '/webhooks/call-action', example('call-action'), {}, from(ip));
    expect(res.status).toBe(status);
    if (status === 403) expect(((await res.json()) as any).error.code).toBe('forbidden');
  });

  it('ignores a spoofed X-Forwarded-For when no proxy is trusted', async () => {
    const { app } = await testServer({ access });
    const res = await post(app, '/webhooks/call-action', example('call-action'), { 'x-forwarded-for': '18.140.80.2' }, from('203.0.113.9'));
    expect(res.status).toBe(403);
  });

  it('believes X-Forwarded-For from a trusted proxy', async () => {
    const { app } = await testServer({ access: { ...access, trustProxy: ['192.168.0.0/16'] } });
    const allowed = await post(app, '/webhooks/call-action', example('call-action'), { 'x-forwarded-for': '18.140.80.2' }, from('192.168.1.10'));
    expect(allowed.status).toBe(200);
    const outside = await post(app, '/webhooks/call-action', example('call-action'), { 'x-forwarded-for': '203.0.113.9' }, from('192.168.1.10'));
    expect(outside.status).toBe(403);
  });

  it('refuses when the source address cannot be known', async () => {
    const { app } = await testServer({ access });
    expect((await post(app, '/webhooks/call-action', example('call-action'))).status).toBe(403);
  });

  it('checks the address before the secret, and both must pass', async () => {
    const { app } = await testServer({ access: { ...access, webhookAuth: SECRET } });
    expect((await post(app, '/webhooks/call-action', example('call-action'), { authorization: SECRET }, from('203.0.113.9'))).status).toBe(403);
    expect((await post(app, '/webhooks/call-action', example('call-action'), {}, from('18.140.80.2'))).status).toBe(401);
    expect((await post(app, '/webhooks/call-action', example('call-action'), { authorization: SECRET }, from('18.140.80.2'))).status).toBe(200);
  });
});

describe('client address behind proxies', () => {
  it.each([
    ['no proxy trusted: the socket, whatever the header says', 0, '10.0.0.5', '1.1.1.1', '10.0.0.5'],
    ['one hop trusted: the last forwarded address', 1, '10.0.0.5', '6.6.6.6, 1.1.1.1', '1.1.1.1'],
    ['two hops trusted', 2, '10.0.0.5', '6.6.6.6, 1.1.1.1, 10.0.0.4', '1.1.1.1'],
    ['more hops trusted than forwarded: the first entry', 3, '10.0.0.5', '1.1.1.1', '1.1.1.1'],
    ['one hop, no header: the socket', 1, '10.0.0.5', undefined, '10.0.0.5'],
    ['trusted proxy list: skips trusted entries only', ['10.0.0.0/8'], '10.0.0.5', '6.6.6.6, 1.1.1.1, 10.0.0.4', '1.1.1.1'],
    ['trusted proxy list, socket not a proxy: header ignored', ['10.0.0.0/8'], '203.0.113.1', '1.1.1.1', '203.0.113.1'],
  ])('%s', (_what, trust, socket, xff, expected) => {
    expect(clientIpResolver(trust)(socket, xff)).toBe(expected);
  });
});

describe('operator endpoints (/metrics, /calls, /admin)', () => {
  const paths = ['/metrics', '/calls/some-session', '/admin/anything'];

  it.each(paths)('%s is off (404) when no ADMIN_TOKEN is set', async (path) => {
    const { app } = await testServer({ adminToken: undefined });
    const res = await app.request(path, { headers: ADMIN });
    expect(res.status).toBe(404);
    expect(((await res.json()) as any).error.code).toBe('admin-disabled');
  });

  it.each(paths)('%s answers 401 without the right token', async (path) => {
    const { app } = await testServer();
    expect((await app.request(path)).status).toBe(401);
    expect((await app.request(path, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
  });

  it('serves /metrics with the right token', async () => {
    const { app } = await testServer();
    expect((await app.request('/metrics', { headers: ADMIN })).status).toBe(200);
  });

  it('keeps the webhook secret and the admin token apart', async () => {
    const { app } = await testServer({ access: { webhookAuth: SECRET } });
    expect((await app.request('/metrics', { headers: { authorization: SECRET } })).status).toBe(401);
    expect((await post(app, '/webhooks/call-action', example('call-action'), ADMIN)).status).toBe(401);
  });
});

/**
 * Issue 12 on the real app and a real server: nesting depth, Content-Type, bounded metric labels,
 * a replay key that covers the whole event, the byte-bounded replay cache, slow clients and the
 * connection cap, shutdown on keep-alive sockets, and secrets kept out of config error messages.
 */
import { readFileSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load-config.js';
import { DEFAULTS, type ServerConfig } from '../src/config/server-config.js';
import { printDiagnostics } from '../src/cli/print-diagnostics.js';
import { loadRules } from '../src/rules/load-rules.js';
import { startServer, type RunningServer } from '../src/server/start-server.js';
import { ReplayCache } from '../src/store/replay-cache.js';
import { capture } from './helpers/capture.js';
import { ADMIN, metric, post, testServer } from './helpers/webhook-app.js';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/8x8/${name}.json`, import.meta.url), 'utf8')) as { payload: Record<string, unknown> };
const withPayload = (name: string, fields: Record<string, unknown>) => {
  const e = fixture(name);
  return { ...e, payload: { ...e.payload, ...fields } };
};

describe('bounded parsing of events', () => {
  it('answers 400 naming the limit for JSON nested deeper than 32 levels, and still answers the next call', async () => {
    const { app } = await testServer();
    const deep = `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`;
    const body = JSON.stringify(fixture('call-action')).replace('"callDuration":0', `"callDuration":0,"eventData":${deep}`);
    expect(body.length).toBeLessThan(64 * 1024);
    const res = await post(app, '/webhooks/call-action', body);
    expect(res.status).toBe(400);
    const error = ((await res.json()) as { error: { code: string; message: string } }).error;
    expect(error.code).toBe('too-deep');
    expect(error.message).toContain('32 levels');
    const ok = await post(app, '/webhooks/call-action', fixture('call-action'));
    expect(ok.status).toBe(200);
  });

  it.each([
    ['call-action', 'text/plain', 415],
    ['call-action', 'application/x-www-form-urlencoded', 415],
    ['call-action', 'application/json', 200],
    ['call-action', 'application/json; charset=UTF-8', 200],
    ['call-action', 'Application/JSON;charset=utf-8', 200],
    ['call-status', 'text/plain', 415],
    ['call-status', 'application/json; charset=utf-8', 200],
    ['session-summary', 'multipart/form-data; boundary=x', 415],
  ])('%s with Content-Type %s answers %i', async (endpoint, type, status) => {
    const { app } = await testServer();
    const name = endpoint === 'session-summary' ? 'session-summary' : endpoint;
    const res = await app.request(`/webhooks/${endpoint}`, { method: 'POST', headers: type ? { 'content-type': type } : {}, body: JSON.stringify(fixture(name)) });
    expect(res.status).toBe(status);
    if (status === 415) {
      const error = ((await res.json()) as { error: { code: string; message: string } }).error;
      expect(error.code).toBe('unsupported-media-type');
      expect(error.message).toContain('Content-Type: application/json');
    }
  });
});

describe('bounded metric labels', () => {
  it('counts callStatus values 8x8 does not document as OTHER, so callers cannot mint series', async () => {
    const { app } = await testServer();
    for (let i = 0; i < 40; i++) {
      const res = await post(app, '/webhooks/call-status', withPayload('call-status', { eventId: `status-${i}`, callStatus: `MADE_UP_${i}` }));
      expect(res.status).toBe(200);
    }
    await post(app, '/webhooks/call-status', withPayload('call-status', { eventId: 'status-real' }));
    const text = await (await app.request('/metrics', { headers: ADMIN })).text();
    const series = text.split('\n').filter((l) => l.startsWith('callrouter_call_status_events_total{'));
    expect(series).toHaveLength(2);
    expect(metric(text, 'callrouter_call_status_events_total{status="OTHER"}')).toBe(40);
    expect(metric(text, 'callrouter_call_status_events_total{status="CALL_CONNECTED"}')).toBe(1);
  });

  it('writes valid Prometheus text: every sample line is name{labels} number, every family has HELP and TYPE', async () => {
    const { app } = await testServer();
    await post(app, '/webhooks/call-action', fixture('call-action'));
    const text = await (await app.request('/metrics', { headers: ADMIN })).text();
    const families = new Set<string>();
    for (const line of text.split('\n').filter(Boolean)) {
      const type = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
      if (type) families.add(type[1]!);
      if (line.startsWith('#')) continue;
      expect(line).toMatch(/^[a-zA-Z_:][\w:]*(\{([a-zA-Z_]\w*="(?:[^"\\\n]|\\.)*",?)*\})? -?(\d+(\.\d+)?(e[-+]?\d+)?|[Nn]a[Nn]|\+Inf|-Inf)$/);
    }
    expect(families).toContain('callrouter_call_action_duration_seconds');
    expect(metric(text, 'callrouter_call_action_duration_seconds_bucket{le="+Inf"}')).toBe(1);
    expect(metric(text, 'callrouter_call_action_duration_seconds_count')).toBe(1);
  });
});

describe('the replay key covers the whole event', () => {
  const replayed = (log: Record<string, unknown>[]) => log.filter((l) => l.msg === 'request' && l.replay === true).length;

  it('answers a redelivery of the same event from the cache', async () => {
    const { app, log } = await testServer();
    await post(app, '/webhooks/call-action', fixture('call-action'));
    await post(app, '/webhooks/call-action', fixture('call-action'));
    expect(replayed(log)).toBe(1);
  });

  it.each([
    ['subAccountId', 'another-subaccount'],
    ['sourceCountryCode', 'MY'],
    ['destinationCountryCode', 'MY'],
    ['sourceRefId', 'vn-ref-9'],
    ['callDirection', 'OUTBOUND'],
    ['callType', 'SIP'],
    ['destinationRefId', 'vn-ref-2'],
  ])('decides afresh when the eventId is reused with another %s', async (field, value) => {
    const { app, log } = await testServer();
    const first = await post(app, '/webhooks/call-action', fixture('call-action'));
    expect(first.status).toBe(200);
    const second = await post(app, '/webhooks/call-action', withPayload('call-action', { [field]: value }));
    expect(second.status).toBe(200);
    expect(replayed(log)).toBe(0);
  });

  it("gives another sub-account its own answer, not the first caller's desk", async () => {
    const { app } = await testServer();
    const a = (await (await post(app, '/webhooks/call-action', fixture('call-action'))).json()) as { clientActionId: string };
    const b = (await (await post(app, '/webhooks/call-action', withPayload('call-action', { destinationRefId: 'vn-ref-2', sourceCountryCode: 'MY' }))).json()) as { clientActionId: string };
    expect(b.clientActionId).not.toBe(a.clientActionId);
  });
});

describe('the replay cache is bounded in bytes', () => {
  it('keeps at most maxBytes whatever the entries carry, evicting the oldest first', () => {
    const cache = new ReplayCache<string>(10_000, 60_000, Date.now, 1024 * 1024);
    const big = 'x'.repeat(30 * 1024);
    for (let i = 0; i < 500; i++) cache.set(`key-${i}`, big);
    expect(cache.bytes).toBeLessThanOrEqual(1024 * 1024);
    expect(cache.size).toBeGreaterThan(5);
    expect(cache.get('key-0')).toBeUndefined();
    expect(cache.get('key-499')).toBe(big);
  });

  it.each([
    ['entries', 100, 1 << 30],
    ['bytes', 1_000_000, 64 * 1024],
  ])('stays within its %s limit under steady eviction with replaced and expired keys', (_what, maxEntries, maxBytes) => {
    let now = 0;
    const cache = new ReplayCache<string>(maxEntries, 1000, () => now, maxBytes);
    for (let i = 0; i < 20_000; i++) {
      now += 1;
      cache.set(`k${i % 3000}`, `v${i}`);
      cache.get(`k${(i * 7) % 3000}`);
    }
    expect(cache.size).toBeLessThanOrEqual(maxEntries);
    expect(cache.bytes).toBeLessThanOrEqual(maxBytes);
    // The last write of k1999 was the very last set (i = 19,999): it must have survived.
    expect(cache.get('k1999')).toBe('v19999');
  });

  it('keeps nothing bigger than its whole budget', () => {
    const cache = new ReplayCache<string>(10, 1000, Date.now, 1000);
    cache.set('small', 'ok');
    cache.set('huge', 'x'.repeat(2000));
    expect(cache.get('huge')).toBeUndefined();
    expect(cache.get('small')).toBe('ok');
  });
});

// ---------------------------------------------------------------------------------------------
// A real server on a real port.

interface Started {
  server: RunningServer;
  log: Record<string, unknown>[];
}
let running: Started | undefined;
afterEach(async () => {
  await running?.server.close('test-end');
  running = undefined;
});

async function start(overrides: Partial<ServerConfig> = {}): Promise<Started> {
  const loaded = await loadRules(new URL('../rules', import.meta.url).pathname);
  if (!loaded.ruleSet) throw new Error('sample rules do not load');
  const log: Record<string, unknown>[] = [];
  const config: ServerConfig = { ...DEFAULTS, rulesDir: new URL('../rules', import.meta.url).pathname, port: 0, host: '127.0.0.1', callLog: 'off', watch: false, adminToken: 'admin-secret', ...overrides };
  const server = await startServer({ config, ruleSet: loaded.ruleSet, logger: { log: (e) => void log.push(e), flush: async () => {} } });
  running = { server, log };
  return running;
}

/** A raw TCP socket that collects what the server sends and how the connection ended. */
function rawSocket(port: number) {
  const socket: Socket = connect(port, '127.0.0.1');
  const state = { data: '', ended: false, error: undefined as string | undefined, closed: false };
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => (state.data += d));
  socket.on('end', () => (state.ended = true));
  socket.on('error', (e: NodeJS.ErrnoException) => (state.error = e.code ?? e.message));
  socket.on('close', () => (state.closed = true));
  const connected = new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return { socket, state, connected };
}

const until = async (what: () => boolean, ms = 8000) => {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
};

const request = (port: number, body: string, extra = '') =>
  `POST /webhooks/call-action HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\n${extra}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

describe('connection hygiene on a real server', () => {
  it('answers 408 to a client that trickles its headers, logs it and counts it, and keeps answering calls', async () => {
    // The request timeout is generous: on a loaded machine the follow-up call itself may take over a second.
    const { server, log } = await start({ headersTimeoutMs: 300, requestTimeoutMs: 5000 });
    const slow = rawSocket(server.port);
    await slow.connected;
    slow.socket.write('POST /webhooks/call-action HTTP/1.1\r\nHost: x\r\n');
    const trickle = setInterval(() => slow.socket.writable && slow.socket.write('X-Slow: 1\r\n'), 100);
    try {
      await until(() => slow.state.closed);
    } finally {
      clearInterval(trickle);
    }
    expect(slow.state.data).toMatch(/^HTTP\/1\.1 408/);
    expect(log.some((l) => l.msg === 'request-timeout')).toBe(true);
    const call = await fetch(`http://127.0.0.1:${server.port}/webhooks/call-action`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(fixture('call-action')) });
    expect(call.status).toBe(200);
    const text = await (await fetch(`http://127.0.0.1:${server.port}/metrics`, { headers: ADMIN })).text();
    expect(metric(text, 'callrouter_connections_refused_total{reason="request-timeout"}')).toBeGreaterThanOrEqual(1);
  });

  it('closes connections over the cap at once, logs and counts them, and serves again when they go', async () => {
    const { server, log } = await start({ maxConnections: 3 });
    const held = [rawSocket(server.port), rawSocket(server.port), rawSocket(server.port)];
    await Promise.all(held.map((h) => h.connected));
    await new Promise((r) => setTimeout(r, 50));
    const extra = rawSocket(server.port);
    await until(() => extra.state.closed);
    expect(extra.state.data).toBe('');
    expect(log.some((l) => l.msg === 'connection-refused')).toBe(true);
    for (const h of held) h.socket.destroy();
    await until(() => held.every((h) => h.state.closed));
    await new Promise((r) => setTimeout(r, 50));
    const text = await (await fetch(`http://127.0.0.1:${server.port}/metrics`, { headers: { ...ADMIN, connection: 'close' } })).text();
    expect(metric(text, 'callrouter_connections_refused_total{reason="connection-cap"}')).toBeGreaterThanOrEqual(1);
  });

  it('on shutdown closes idle keep-alive sockets and answers the request in flight with Connection: close, resetting nothing', async () => {
    const { server } = await start();
    const body = JSON.stringify(fixture('call-action'));
    const idle = rawSocket(server.port);
    await idle.connected;
    idle.socket.write(request(server.port, body));
    await until(() => /\r\n\r\n\{.*\}$/s.test(idle.state.data));
    expect(idle.state.data).toMatch(/connection: keep-alive/i);

    const busy = rawSocket(server.port);
    await busy.connected;
    const whole = request(server.port, body);
    const half = whole.length - 100;
    busy.socket.write(whole.slice(0, half));
    await new Promise((r) => setTimeout(r, 100));

    const closed = server.close('SIGTERM');
    running = undefined;
    await until(() => idle.state.closed);
    busy.socket.write(whole.slice(half));
    await until(() => busy.state.closed);
    await closed;

    expect(idle.state.error).toBeUndefined();
    expect(busy.state.error).toBeUndefined();
    expect(busy.state.data).toMatch(/^HTTP\/1\.1 200/);
    expect(busy.state.data).toMatch(/connection: close/i);
    expect(busy.state.data).toContain('"callflow"');
  });
});

describe('config-file errors never echo a secret', () => {
  const dir = mkdtempSync(join(tmpdir(), 'config-secrets-'));
  afterEach(() => rmSync(join(dir, 'config.yaml'), { force: true }));

  it.each([
    ['a wrong type next to a secret', 'webhookAuth: Bearer s3cr3t-webhook-value\nport: not-a-port\nadminToken: s3cr3t-admin-value\n'],
    ['a secret with the wrong type', 'adminToken: [s3cr3t-admin-value]\n'],
    ['a misspelt secret key', 'webhookauth: Bearer s3cr3t-webhook-value\n'],
    ['broken YAML on a secret line', 'webhookAuth: "Bearer s3cr3t-webhook-value\nport: 3000\n'],
    ['a block scalar secret', 'adminToken: |\n  s3cr3t-admin-value\nport: nope\n'],
  ])('%s: the position and the problem, the value masked', async (_what, text) => {
    const file = join(dir, 'config.yaml');
    writeFileSync(file, text);
    const result = await loadConfig({ file, env: {} });
    expect(result.config).toBeUndefined();
    const out = capture();
    printDiagnostics(result.diagnostics, result.texts, out);
    expect(out.text).toContain('config.yaml:');
    expect(out.text).not.toMatch(/s3cr3t/);
  });
});

describe('the fast path for call actions answers exactly as the Hono route', () => {
  const secret = 'Bearer fast-path-secret';
  const good = JSON.stringify(fixture('call-action'));
  const deep = good.replace('"callDuration":0', `"callDuration":0,"eventData":${'['.repeat(100)}${']'.repeat(100)}`);
  it.each([
    ['a valid event', { 'content-type': 'application/json', authorization: secret }, good, 200],
    ['a valid event with charset', { 'content-type': 'application/json; charset=utf-8', authorization: secret }, good, 200],
    ['no secret', { 'content-type': 'application/json' }, good, 401],
    ['text/plain', { 'content-type': 'text/plain', authorization: secret }, good, 415],
    // 8x8 documents no headers: an event with no Content-Type at all is still answered.
    ['no Content-Type', { authorization: secret }, new TextEncoder().encode(good), 200],
    ['broken JSON', { 'content-type': 'application/json', authorization: secret }, '{"payload":', 400],
    ['too deep', { 'content-type': 'application/json', authorization: secret }, deep, 400],
    ['too big', { 'content-type': 'application/json', authorization: secret }, good.replace('"callDuration":0', `"callDuration":0,"pad":"${'x'.repeat(70_000)}"`), 413],
    ['not an event', { 'content-type': 'application/json', authorization: secret }, '{"payload":{}}', 400],
  ])('%s: status %i and the same body over a real socket and through app.request', async (_what, headers, body, status) => {
    const { server } = await start({ webhookAuth: secret });
    const real = await fetch(`http://127.0.0.1:${server.port}/webhooks/call-action`, { method: 'POST', headers, body });
    const { app } = await testServer({ access: { webhookAuth: secret } });
    const viaHono = await app.request('/webhooks/call-action', { method: 'POST', headers, body });
    expect(real.status).toBe(status);
    expect(viaHono.status).toBe(status);
    expect(real.headers.get('content-type')).toBe('application/json');
    expect(await real.text()).toBe(await viaHono.text());
  });

  it('writes the same request log line as the Hono route', async () => {
    const { server, log } = await start();
    await fetch(`http://127.0.0.1:${server.port}/webhooks/call-action`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(fixture('call-action')) });
    const line = log.find((l) => l.msg === 'request');
    expect(line).toMatchObject({ level: 'info', method: 'POST', path: '/webhooks/call-action', status: 200, outcome: 'matched', callId: fixture('call-action').payload.callId });
  });
});

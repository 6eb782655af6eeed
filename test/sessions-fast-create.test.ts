import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULTS, type ServerConfig } from '../src/config/server-config.js';
import { loadRules } from '../src/rules/load-rules.js';
import { startServer, type RunningServer } from '../src/server/start-server.js';
import { DRIVER, MASKING_FOLDER, RIDER, sessionsHarness, TOKEN, VN1, writeFolder, type SessionsHarness } from './helpers/sessions.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** The real server on a real port (POST /sessions takes the node:http fast path) with its own sessions file. */
async function realServer(): Promise<{ url: string; log: Record<string, unknown>[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'sessions-fast-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const rulesDir = join(dir, 'rules');
  mkdirSync(rulesDir);
  writeFolder(rulesDir, MASKING_FOLDER);
  const loaded = await loadRules(rulesDir);
  if (!loaded.ruleSet) throw new Error('the masking rules do not load');
  const log: Record<string, unknown>[] = [];
  const config: ServerConfig = { ...DEFAULTS, rulesDir, port: 0, host: '127.0.0.1', callLog: 'off', watch: false, apiToken: TOKEN, sessionsDb: join(dir, 'sessions.sqlite') };
  const server: RunningServer = await startServer({ config, ruleSet: loaded.ruleSet, logger: { log: (e) => void log.push(e), flush: async () => {} } });
  cleanups.push(() => server.close());
  return { url: `http://127.0.0.1:${server.port}`, log };
}

async function honoApp(): Promise<SessionsHarness> {
  const h = await sessionsHarness();
  cleanups.push(() => h.close());
  return h;
}

const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
const json = (body: unknown) => JSON.stringify(body);
/** A session answer with what differs between two stores (its id, its times) masked. */
const masked = (text: string) => text.replace(/ses_[0-9a-f]+/g, 'ses_ID').replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, 'TIME');

describe('the fast path for POST /sessions answers exactly as the Hono route', () => {
  // One server and one app for the table: its creates use different numbers, so none is in another's way.
  let real: Awaited<ReturnType<typeof realServer>>;
  let h: SessionsHarness;
  const shared: (() => unknown)[] = [];
  beforeAll(async () => {
    try {
      real = await realServer();
      h = await honoApp();
    } finally {
      // Theirs to stop after the table, not after its first row.
      shared.push(...cleanups.splice(0));
    }
  });
  afterAll(async () => {
    for (const c of shared.reverse()) await c();
  });

  it.each([
    ['a create on a number', 201, auth, json({ parties: [RIDER, DRIVER], virtualNumber: VN1, ttl: 600 })],
    ['a create from a pool', 201, auth, json({ parties: [RIDER, DRIVER], pool: 'rides', ref: 'ride-1' })],
    ['no token', 401, { 'content-type': 'application/json' }, json({ parties: [RIDER, DRIVER], virtualNumber: VN1 })],
    ['a wrong token', 401, { ...auth, authorization: 'Bearer nope' }, json({ parties: [RIDER, DRIVER], virtualNumber: VN1 })],
    ['text/plain', 415, { ...auth, 'content-type': 'text/plain' }, json({ parties: [RIDER, DRIVER], virtualNumber: VN1 })],
    ['broken JSON', 400, auth, '{"parties":'],
    ['too big', 413, auth, json({ parties: [RIDER, DRIVER], virtualNumber: VN1, ref: 'x'.repeat(70_000) })],
    ['one party', 400, auth, json({ parties: [RIDER], virtualNumber: VN1 })],
    ['both a number and a pool', 400, auth, json({ parties: [RIDER, DRIVER], virtualNumber: VN1, pool: 'rides' })],
    ['a party that is no phone number', 400, auth, json({ parties: [RIDER, '12'], virtualNumber: VN1 })],
    ['an unknown pool', 409, auth, json({ parties: [RIDER, DRIVER], pool: 'boats' })],
  ] as const)('%s: status %i and the same body over a real socket and through app.request', async (_what, status, headers, body) => {
    const fast = await fetch(`${real.url}/sessions`, { method: 'POST', headers, body });
    const viaHono = await h.app.request('/sessions', { method: 'POST', headers, body });
    expect(fast.status).toBe(status);
    expect(viaHono.status).toBe(status);
    expect(fast.headers.get('content-type')).toBe('application/json');
    expect(masked(await fast.text())).toBe(masked(await viaHono.text()));
  });

  it('a second create with one party on a taken number is a 409 naming the party, on both', async () => {
    const real = await realServer();
    const h = await honoApp();
    const body = json({ parties: [RIDER, DRIVER], virtualNumber: VN1 });
    for (const send of [() => fetch(`${real.url}/sessions`, { method: 'POST', headers: auth, body }), () => h.app.request('/sessions', { method: 'POST', headers: auth, body })]) {
      expect((await send()).status).toBe(201);
      const again = await send();
      expect(again.status).toBe(409);
      expect(((await again.json()) as { error: { code: string; field: string } }).error).toMatchObject({ code: 'party-busy', field: 'parties' });
    }
  });

  it('a retry with the same ref gets the same session and Idempotent-Replayed, and the session is readable through the Hono routes', async () => {
    const real = await realServer();
    const body = json({ parties: [RIDER, DRIVER], pool: 'rides', ref: 'ride-4711' });
    const first = await fetch(`${real.url}/sessions`, { method: 'POST', headers: auth, body });
    const retry = await fetch(`${real.url}/sessions`, { method: 'POST', headers: auth, body });
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    const made = (await first.json()) as { id: string };
    expect(((await retry.json()) as { id: string }).id).toBe(made.id);
    const read = await fetch(`${real.url}/sessions/${made.id}`, { headers: auth });
    expect(read.status).toBe(200);
    expect(((await read.json()) as { ref: string }).ref).toBe('ride-4711');
  });

  it('writes the request log line the Hono route writes', async () => {
    const real = await realServer();
    await fetch(`${real.url}/sessions`, { method: 'POST', headers: auth, body: json({ parties: [RIDER, DRIVER], virtualNumber: VN1 }) });
    const line = real.log.find((l) => l.msg === 'request' && l.path === '/sessions');
    expect(line).toMatchObject({ level: 'info', method: 'POST', path: '/sessions', status: 201 });
    expect(typeof line?.ms).toBe('number');
  });
});

import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { usePostgres } from './helpers/postgres.js';
import { startServer, type RunningServer } from './helpers/server.js';

// A real router on PostgreSQL with every secret set: no console page may show any of them,
// nor where the rules live on the server's disk.
const postgres = usePostgres();
const root = fileURLToPath(new URL('..', import.meta.url));
const CONSOLE_TOKEN = 'console-leak-token-4e1a';
const ADMIN_TOKEN = 'admin-leak-token-9c3d';
const API_TOKEN = 'api-leak-token-2b7f';
const WEBHOOK_AUTH = 'Basic bGVhay13ZWJob29rLXNlY3JldA==';
const DB_PASSWORD = 'db-leak-password-61f0';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function router(env: Record<string, string>): Promise<{ server: RunningServer; rulesDir: string; work: string }> {
  const work = mkdtempSync(join(tmpdir(), 'console-secrets-'));
  cleanups.push(() => rmSync(work, { recursive: true, force: true }));
  const rulesDir = join(work, 'rules');
  cpSync(join(root, 'rules'), rulesDir, { recursive: true });
  const server = await startServer(['--rules', rulesDir, '--no-watch'], { LOG_LEVEL: 'warn', CALL_LOG: join(work, 'calls.sqlite'), SESSIONS_DB: join(work, 'sessions.sqlite'), ...env });
  cleanups.push(() => server.stop());
  return { server, rulesDir, work };
}

const PAGES = [
  '/console',
  '/console/rules',
  '/console/rules?file=50-support.yaml',
  '/console/try?source=%2B6591110001&destinationRefId=vn-ref-3&sourceCountryCode=SG',
  '/console/week?number=vn-ref-4&week=2026-W33',
  '/console/calls',
  '/console/calls?q=%2B6591110001',
  '/console/calls/leak-s-1',
  '/console/sessions',
  '/console/sessions?q=%2B6591110001',
];

describe('the console of a real router with every secret set', () => {
  it('shows no token, no database password and no absolute path on any page, even after a failed reload', { timeout: 120_000 }, async () => {
    const url = new URL(await postgres.database());
    url.password = DB_PASSWORD; // the test cluster trusts local connections, so any password works
    const { server, rulesDir, work } = await router({ DATABASE_URL: url.toString(), CONSOLE_TOKEN, ADMIN_TOKEN, API_TOKEN, WEBHOOK_AUTH });

    const call = await fetch(`${server.url}/webhooks/call-action`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: WEBHOOK_AUTH },
      body: JSON.stringify({
        eventType: 'CALL_ACTION',
        payload: { eventId: 'leak-e-1', callId: 'leak-c-1', sessionId: 'leak-s-1', source: '+6591110001', destination: '+6568332049', destinationRefId: 'vn-ref-3', sourceCountryCode: 'SG', callStatus: 'CALL_RECEIVED' },
      }),
    });
    expect(call.status).toBe(200);
    const session = await fetch(`${server.url}/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${API_TOKEN}` },
      body: JSON.stringify({ parties: ['+6591110001', '+6592220001'], virtualNumber: '+6568332049', ref: 'leak-ride' }),
    });
    expect(session.status, await session.clone().text()).toBe(201);

    // A bad save, reloaded by hand: the status page shows the error, with the file named relative to the rules folder.
    const file = join(rulesDir, '50-support.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('dtmf: "1"', 'dtmf: "1'));
    const reload = await fetch(`${server.url}/admin/reload`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(((await reload.json()) as { ok: boolean }).ok).toBe(false);

    const secrets = [CONSOLE_TOKEN, ADMIN_TOKEN, API_TOKEN, WEBHOOK_AUTH, DB_PASSWORD, url.toString(), rulesDir, work, root, tmpdir()];
    const pages: Record<string, string> = {};
    for (const path of PAGES) {
      const res = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${CONSOLE_TOKEN}` } });
      expect(res.status, path).toBe(200);
      pages[path] = await res.text();
    }
    // The pages did show what they are for: the call, the session and the reload error.
    expect(pages['/console']).toMatch(/50-support\.yaml:\d+:\d+/);
    expect(pages['/console/calls/leak-s-1']).toContain('+6591110001');
    expect(pages['/console/sessions']).toContain('leak-ride');
    for (const [path, html] of Object.entries(pages)) for (const secret of secrets) expect(html, `${path} shows ${secret}`).not.toContain(secret);
  });

  it.each([
    ['no console or admin token set, with a token', {}, `Bearer ${CONSOLE_TOKEN}`, 404],
    ['no console or admin token set, without one', {}, undefined, 404],
    ['a console token set, without one', { CONSOLE_TOKEN }, undefined, 401],
    ['a console token set, with a wrong one', { CONSOLE_TOKEN }, 'Bearer wrong-token', 401],
    ['a console token set, with the admin token of another router', { CONSOLE_TOKEN }, `Bearer ${ADMIN_TOKEN}`, 401],
  ])('every console page answers as it must with %s', { timeout: 60_000 }, async (_what, env: Record<string, string>, authorization, status) => {
    const { server } = await router({ ...env, SESSIONS_DB: 'off' });
    // The stylesheet is public once the console is on (the sign-in page needs it), so only the off case asks for it.
    for (const path of [...PAGES, '/console/nope', ...(status === 404 ? ['/console/assets/console.css', '/console/login'] : [])]) {
      const res = await fetch(`${server.url}${path}`, { headers: { ...(authorization ? { authorization } : {}), accept: 'application/json' }, redirect: 'manual' });
      expect(res.status, path).toBe(status);
    }
  });
});

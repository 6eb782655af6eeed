import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { usePostgres } from './helpers/postgres.js';
import { startCluster } from './helpers/postgres-cluster.js';
import { spawnForTest, stopChild } from './helpers/processes.js';
import { startServer, type RunningServer } from './helpers/server.js';
import { DRIVER, MASKING_FOLDER, RIDER, TOKEN, VN1, writeFolder } from './helpers/sessions.js';

const postgres = usePostgres();
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Two router processes on different ports, sharing one PostgreSQL database. */
function rulesFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sessions-routers-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const rules = join(dir, 'rules');
  mkdirSync(rules);
  writeFolder(rules, MASKING_FOLDER);
  return rules;
}

async function twoRouters(): Promise<[RunningServer, RunningServer]> {
  const rules = rulesFolder();
  const env = { DATABASE_URL: await postgres.database(), API_TOKEN: TOKEN, CALL_LOG: 'off', LOG_LEVEL: 'warn' };
  const started: RunningServer[] = [];
  cleanups.push(() => Promise.all(started.map((s) => s.stop())));
  for (let i = 0; i < 2; i++) started.push(await startServer(['--rules', rules, '--no-watch'], env));
  return [started[0]!, started[1]!];
}

const createOn = (server: RunningServer, body: unknown) =>
  fetch(`${server.url}/sessions`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

let events = 0;
async function callTo(server: RunningServer, source: string, destination: string): Promise<string> {
  const n = ++events;
  const payload = { eventId: `e${n}`, callId: `call-${n}`, sessionId: `s${n}`, source, destination, callStatus: 'CALL_RECEIVED', callDirection: 'INBOUND', sourceFormat: 'MSISDN', destinationFormat: 'MSISDN' };
  const res = await fetch(`${server.url}/webhooks/call-action`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ payload }) });
  const flow = (await res.json()) as { callflow: { action: string; params: { destination?: string } }[] };
  return flow.callflow.find((a) => a.action === 'makeCall')?.params.destination ?? 'else';
}

describe('two routers on one PostgreSQL', () => {
  it('a session created through router A routes a call on router B', async () => {
    const [a, b] = await twoRouters();
    expect(await callTo(b, RIDER, VN1)).toBe('else');
    const res = await createOn(a, { parties: [RIDER, DRIVER], virtualNumber: VN1, ttl: 3600 });
    expect(res.status).toBe(201);
    // B hears of it by notification (within a second normally); the bound is generous for a loaded machine.
    let routed = 'else';
    for (let i = 0; i < 300 && routed === 'else'; i++) {
      routed = await callTo(b, RIDER, VN1);
      if (routed === 'else') await new Promise((r) => setTimeout(r, 50));
    }
    expect(routed).toBe(DRIVER);
    const health = (await (await fetch(`${b.url}/healthz`)).json()) as { sessions: { state: string; store: string } };
    expect(health.sessions).toMatchObject({ state: 'ok', store: expect.stringMatching(/^PostgreSQL at postgres:\/\//) });
  }, 90_000);

  it('50 parallel creates split over both routers on a one-number pool give exactly one 201', async () => {
    const [a, b] = await twoRouters();
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => createOn(i % 2 ? a : b, { parties: [RIDER, DRIVER], pool: 'tiny', ttl: 3600 })));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(49);
  }, 90_000);

  it('a router started while PostgreSQL is down says so, and starts serving once it is back, with the sessions in it', async () => {
    const cluster = await startCluster();
    cleanups.push(() => cluster.stop());
    const env = { DATABASE_URL: cluster.url, API_TOKEN: TOKEN, CALL_LOG: 'off', LOG_LEVEL: 'warn' };
    const rules = rulesFolder();
    const first = await startServer(['--rules', rules, '--no-watch'], env);
    expect((await createOn(first, { parties: [RIDER, DRIVER], virtualNumber: VN1, ttl: 3600 })).status).toBe(201);
    await first.stop();

    cluster.halt();
    const child = spawnForTest(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--port', '0', '--host', '127.0.0.1', '--rules', rules, '--no-watch'], { env: { ...process.env, ...env } });
    cleanups.push(() => stopChild(child));
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    const seen = async (text: string) => {
      for (let i = 0; i < 1200 && !out.includes(text); i++) await new Promise((r) => setTimeout(r, 50));
      return out.includes(text);
    };
    expect(await seen('sessions-database-unavailable'), out).toBe(true);
    expect(out).not.toContain('Listening on');
    cluster.start();
    expect(await seen('Listening on'), out).toBe(true);
    const url = /Listening on (http:\/\/\S+?:\d+)/.exec(out)![1]!;
    expect(await callTo({ url } as RunningServer, RIDER, VN1)).toBe(DRIVER);
  }, 120_000);
});

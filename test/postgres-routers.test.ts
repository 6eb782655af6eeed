import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from './helpers/postgres-cluster.js';
import { usePostgres } from './helpers/postgres.js';
import { startServer, type RunningServer } from './helpers/server.js';
import { example, metric } from './helpers/webhook-app.js';

const postgres = usePostgres();
const ADMIN = 'Bearer routers-admin';
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pg-routers-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The sample rules with the last rule saying `words`: two routers on different rules answer the same call differently. */
function rulesSaying(words: string): string {
  const dir = join(tempDir(), 'rules');
  cpSync(new URL('../rules', import.meta.url).pathname, dir, { recursive: true });
  const file = join(dir, '90-fallback.yaml');
  writeFileSync(file, readFileSync(file, 'utf8').replace('Sorry, this line serves Singapore only.', words));
  return dir;
}

async function router(rules: string, databaseUrl: string, env: Record<string, string> = {}): Promise<RunningServer> {
  const server = await startServer(['--rules', rules, '--no-watch'], { DATABASE_URL: databaseUrl, ADMIN_TOKEN: 'routers-admin', LOG_LEVEL: 'warn', ...env });
  cleanups.push(() => server.stop());
  return server;
}

function send(server: RunningServer, path: string, body: string): Promise<Response> {
  return fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
}

/** A call action from another country, so the last rule (the one the two routers word differently) answers. */
function callAction(n: number): string {
  const e = example('call-action');
  e.payload = { ...e.payload, eventId: `ev-${n}`, callId: `call-${n}`, sessionId: `sess-${n}`, source: '+60123456789', sourceCountryCode: 'MY' };
  return JSON.stringify(e);
}

describe('two routers on one PostgreSQL', () => {
  it('answer the same event byte for byte whichever gets it, and B tells the story of a call A answered', async () => {
    const url = await postgres.database();
    const a = await router(rulesSaying('Router A says no.'), url);
    const b = await router(rulesSaying('Router B says no.'), url);
    const event = callAction(1);

    const first = await (await send(a, '/webhooks/call-action', event)).text();
    expect(first).toContain('Router A says no.');
    const again = await (await send(b, '/webhooks/call-action', event)).text();
    expect(again).toBe(first);
    // A new event on B is B's own.
    expect(await (await send(b, '/webhooks/call-action', callAction(2))).text()).toContain('Router B says no.');

    // A's record reaches PostgreSQL within its flush interval; B reads it from there.
    let story: { rule: string; timeline: { kind: string; callflow: unknown }[] } | undefined;
    for (let i = 0; i < 100 && !story; i++) {
      const res = await fetch(`${b.url}/calls/sess-1`, { headers: { authorization: ADMIN } });
      if (res.status === 200) story = (await res.json()) as typeof story;
      else await new Promise((r) => setTimeout(r, 100));
    }
    expect(story?.rule).toBe('everyone-else');
    // Once: B's repeat was not recorded again.
    expect(story?.timeline.map((t) => t.kind)).toEqual(['call-action']);
    expect(JSON.stringify(story?.timeline[0]?.callflow)).toBe(first);
  }, 120_000);

  it('count a call status and a session summary once when 8x8 repeats them to the other router', async () => {
    const url = await postgres.database();
    const rules = new URL('../rules', import.meta.url).pathname;
    const a = await router(rules, url);
    const b = await router(rules, url);
    const statusEvent = JSON.stringify(example('call-status'));
    expect(await (await send(a, '/webhooks/call-status', statusEvent)).json()).toEqual({ received: true, duplicate: false });
    expect(await (await send(b, '/webhooks/call-status', statusEvent)).json()).toEqual({ received: true, duplicate: true });
    const summary = JSON.stringify(example('session-summary'));
    expect(await (await send(b, '/webhooks/session-summary', summary)).json()).toEqual({ received: true, duplicate: false });
    expect(await (await send(a, '/webhooks/session-summary', summary)).json()).toEqual({ received: true, duplicate: true });
    const counted = async (s: RunningServer) => {
      const text = await (await fetch(`${s.url}/metrics`, { headers: { authorization: ADMIN } })).text();
      return (metric(text, 'callrouter_call_status_events_total{status="CALL_CONNECTED"}') ?? 0) + (metric(text, 'callrouter_call_status_events_total{status="CALL_RECEIVED"}') ?? 0);
    };
    expect((await counted(a)) + (await counted(b))).toBe(1);
  }, 120_000);
});

describe('PostgreSQL stopped under load', () => {
  it('answers every call, shows the log degraded, and writes every record once the database is back', async () => {
    let cluster: Cluster | undefined;
    cleanups.push(() => cluster?.stop());
    cluster = await startCluster();
    const url = cluster.url;
    const server = await router(new URL('../rules', import.meta.url).pathname, url);
    const health = async () => ((await (await fetch(`${server.url}/healthz`)).json()) as { callLog: { state: string; waitingRecords: number; reason?: string } }).callLog;
    for (let i = 0; i < 100 && (await health()).state !== 'ok'; i++) await new Promise((r) => setTimeout(r, 100));
    expect((await health()).state).toBe('ok');

    let n = 0;
    const statuses: number[] = [];
    const burst = async (count: number) => {
      const sent = Array.from({ length: count }, () =>
        send(server, '/webhooks/call-action', callAction(++n)).then(
          (r) => r.status,
          () => 0,
        ),
      );
      statuses.push(...(await Promise.all(sent)));
    };
    await burst(50);
    cluster.halt();
    // While it is down: calls keep being answered, records wait.
    for (let round = 0; round < 5; round++) {
      await burst(40);
      await new Promise((r) => setTimeout(r, 200));
    }
    let down = await health();
    for (let i = 0; i < 100 && down.state === 'ok'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      down = await health();
    }
    expect(down.state).toBe('degraded');
    expect(down.reason).toMatch(/waiting for the database/);
    const scraped = await (await fetch(`${server.url}/metrics`, { headers: { authorization: ADMIN } })).text();
    expect(metric(scraped, 'callrouter_call_log_degraded')).toBe(1);
    cluster.start();
    await burst(50);

    let back = await health();
    for (let i = 0; i < 300 && (back.state !== 'ok' || back.waitingRecords > 0); i++) {
      await new Promise((r) => setTimeout(r, 100));
      back = await health();
    }
    const text = await (await fetch(`${server.url}/metrics`, { headers: { authorization: ADMIN } })).text();
    expect({ dropped: metric(text, 'callrouter_call_log_dropped_total'), errors: metric(text, 'callrouter_call_log_errors_total') }).toEqual({ dropped: 0, errors: 0 });
    expect(statuses).toHaveLength(n);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(back).toEqual({ state: 'ok', waitingRecords: 0 });
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ n: number }>("SELECT count(*)::int AS n FROM call_log WHERE kind = 'call-action'");
      expect(rows[0]?.n).toBe(n);
    } finally {
      await client.end();
    }
    const after = await (await fetch(`${server.url}/metrics`, { headers: { authorization: ADMIN } })).text();
    expect(metric(after, 'callrouter_call_log_written_after_outage_total')).toBeGreaterThan(0);
    expect(metric(after, 'callrouter_call_log_dropped_total')).toBe(0);
  }, 180_000);
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'node:http';
import { makeCallActionPayload } from '../src/events/make-event.js';
import { cpuNs } from './cpu.js';
import { generateRules } from './make-rules-folder.js';
import { startServer, stopServer } from './server-process.js';

/**
 * Whether a console page for a big rule set stalls the calls answered meanwhile: the built server
 * with `count` generated rules; a call every 20 ms while one console page renders. Each call's
 * latency is what 8x8 would wait. Run `npm run build` first.
 * Usage: tsx bench/console-stall.ts [count=100000] [files=10]
 */
const count = Number(process.argv[2] ?? 100_000);
const files = Number(process.argv[3] ?? 10);
const TOKEN = 'console-stall';
// A fresh connection per request: a page that blocks the server for longer than its keep-alive
// timeout would otherwise reset a reused socket, which says nothing about the page.
function send(url: string, headers: Record<string, string>, body?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: body ? 'POST' : 'GET', headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve());
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

const dir = mkdtempSync(join(tmpdir(), 'console-stall-'));
await generateRules(dir, count, files);
const server = await startServer('router', (port) => ['dist/cli/main.js', 'serve', '--rules', dir, '--port', String(port), '--host', '127.0.0.1', '--no-watch'], 300_000, {
  env: { CONSOLE_TOKEN: TOKEN, CALL_LOG: ':memory:', SESSIONS_DB: 'off', LOG_LEVEL: 'warn' },
});

let n = 0;
async function call(): Promise<number> {
  const id = `stall-${n++}`;
  const body = JSON.stringify({ eventType: 'CALL_ACTION', payload: makeCallActionPayload({ eventId: id, callId: id, sessionId: id, destinationRefId: `vn-ref-${count - 1}` }) });
  const started = performance.now();
  await send(`${server.url}/webhooks/call-action`, { 'content-type': 'application/json' }, body);
  return performance.now() - started;
}

function summary(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  return `${s.length} calls, median ${s[s.length >> 1]!.toFixed(1)} ms, max ${s[s.length - 1]!.toFixed(1)} ms`;
}

const pages = ['/console', '/console/calls', '/console/rules', '/console/rules?file=rules-000.yaml', '/console/week', `/console/try?source=%2B6581234567&destinationRefId=vn-ref-${count - 1}`];
try {
  for (let i = 0; i < 20; i++) await call();
  console.log(`${count} rules in ${files} files, started in ${(server.startupMs / 1000).toFixed(1)} s\n\n| page | page ms | server CPU ms | calls meanwhile |\n|---|---|---|---|`);
  const idle: number[] = [];
  for (let i = 0; i < 30; i++) {
    idle.push(await call());
    await sleep(20);
  }
  console.log(`| (no page) | | | ${summary(idle)} |`);
  for (const page of pages) {
    const latencies: number[] = [];
    let done = false;
    const cpuBefore = await cpuNs(server.process.pid);
    const started = performance.now();
    const loading = send(`${server.url}${page}`, { authorization: `Bearer ${TOKEN}` }).then(() => {
      done = true;
      return performance.now() - started;
    });
    await sleep(5); // the page's request reaches the server first
    while (!done) {
      latencies.push(await call());
      await sleep(20);
    }
    const pageMs = await loading;
    const cpuMs = ((await cpuNs(server.process.pid)) ?? 0) - (cpuBefore ?? 0);
    console.log(`| \`${page}\` | ${pageMs.toFixed(0)} | ${(cpuMs / 1e6).toFixed(0)} | ${summary(latencies)} |`);
  }
} finally {
  await stopServer(server);
  rmSync(dir, { recursive: true, force: true });
}

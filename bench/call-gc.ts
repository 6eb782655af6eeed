/**
 * What the garbage collector does while masked calls are served at a steady rate: the server
 * (its own process, pinned to core 0, decision log and sessions store on real SQLite files) runs
 * with --trace-gc-nvp, and after a 2 s warm-up the calls are paced for SECONDS. Prints the calls'
 * p99 (from when each fell due and from its write) and, from V8's own trace, how many bytes each
 * call left to be promoted to the old generation, the scavenges' pauses and the major GCs.
 * Objects that outlive a scavenge or two (caches, queues waiting for a writer thread) are what
 * the old generation's GC later pays for, in pauses calls wait behind.
 *
 * Usage: taskset -c 1 npx tsx bench/call-gc.ts [--rate 2400] [--seconds 8] [--cli dist/cli/main.js] [--call-log off] [--node-options "--max-semi-space-size=64"]
 * Run it after `npm run build`; compare builds or settings in alternate runs (the machine is noisy).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { makeCallActionPayload } from '../src/events/make-event.js';
import type { BenchRequest } from './generate-rules.js';
import { runPacedLoad } from './paced-load.js';
import { freePort, HOST } from './server-process.js';
import { pinned } from './wrk-load.js';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '2400' },
    seconds: { type: 'string', default: '8' },
    cli: { type: 'string', default: 'dist/cli/main.js' },
    'call-log': { type: 'string' },
    'node-options': { type: 'string', default: '' },
  },
});
const RATE = Number(values.rate);
const vn = (i: number) => `+656833${String(2000 + (i % 1000)).padStart(4, '0')}`;
const rider = (i: number) => `+659${String(9_000_000 + i).padStart(7, '0')}`;
const driver = (i: number) => `+658${String(9_000_000 + i).padStart(7, '0')}`;

const dir = mkdtempSync(join(tmpdir(), 'call-gc-'));
const trace = join(dir, 'server.log');
const token = 'bench-api-token';
writeFileSync(join(dir, 'r.yaml'), 'rules:\n  - id: masked\n    then: [{ makeCall: other-party }]\n    else: [hangup]\n');
writeFileSync(join(dir, 'settings.yaml'), 'voiceProfile: en-US-ZiraRUS\n');
const port = await freePort();
const out = openSync(trace, 'w');
const [cmd, args] = pinned('0', process.execPath, ['--trace-gc-nvp', ...values['node-options'].split(' ').filter(Boolean), values.cli, 'serve', '--rules', dir, '--no-watch', '--port', String(port), '--host', HOST]);
const server = spawn(cmd, args, {
  stdio: ['ignore', out, out],
  env: { ...process.env, API_TOKEN: token, SESSIONS_DB: join(dir, 'sessions.sqlite'), CALL_LOG: values['call-log'] ?? join(dir, 'calls.sqlite'), LOG_LEVEL: 'warn' },
});
try {
  const url = `http://${HOST}:${port}`;
  for (let tries = 0; ; tries++) {
    if (server.exitCode !== null || tries > 1500) throw new Error(`the server did not start:\n${readFileSync(trace, 'utf8').slice(-2000)}`);
    try {
      if ((await fetch(`${url}/healthz`)).status === 200) break;
    } catch {
      // not listening yet
    }
    await sleep(20);
  }
  const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  for (let i = 0; i < 1000; i++) {
    const res = await fetch(`${url}/sessions`, { method: 'POST', headers: auth, body: JSON.stringify({ parties: [rider(i), driver(i)], virtualNumber: vn(i) }) });
    if (res.status !== 201) throw new Error(`creating the bench's sessions: ${res.status} ${await res.text()}`);
  }
  // The load generator stamps a fresh eventId on each call; each of the 1,000 sessions is called in turn.
  const calls: BenchRequest[] = Array.from({ length: 1000 }, (_, k) => {
    const { eventId: _eventId, ...payload } = makeCallActionPayload({ source: rider(k), destination: vn(k), sessionId: `c${k}` });
    return { kind: 'destination', payload: payload as Record<string, unknown>, expect: 'masked' };
  });
  await runPacedLoad({ url, requests: calls, rate: RATE, seconds: 2 });
  const mark = readFileSync(trace, 'utf8').length;
  const r = await runPacedLoad({ url, requests: calls, rate: RATE, seconds: Number(values.seconds) });
  await sleep(200);
  const lines = readFileSync(trace, 'utf8').slice(mark).split('\n');
  const field = (l: string, k: string) => Number(new RegExp(`\\b${k}=([\\d.]+)`).exec(l)?.[1] ?? Number.NaN);
  const scavenges = lines.filter((l) => /\bgc=s\b/.test(l));
  const majors = lines.filter((l) => /\bgc=(ms|mc|mmc)\b/.test(l));
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const promoted = sum(scavenges.map((l) => field(l, 'promoted')));
  // Each thread has its own heap (isolate); the trace names it. The main thread's comes first.
  const isolateOf = (l: string) => /^\[\d+:(0x[0-9a-f]+)\]/.exec(l)?.[1] ?? '?';
  const order = [
    ...new Set(
      readFileSync(trace, 'utf8')
        .split('\n')
        .filter((l) => /\bgc=/.test(l))
        .map(isolateOf),
    ),
  ];
  const byIsolate = new Map<string, { scavenges: number; promoted: number; majors: number }>();
  for (const l of [...scavenges, ...majors]) {
    const k = isolateOf(l);
    const e = byIsolate.get(k) ?? { scavenges: 0, promoted: 0, majors: 0 };
    if (/\bgc=s\b/.test(l)) {
      e.scavenges++;
      e.promoted += field(l, 'promoted');
    } else e.majors++;
    byIsolate.set(k, e);
  }
  const pauses = scavenges.map((l) => field(l, 'pause'));
  const majorPauses = majors.map((l) => field(l, 'pause'));
  console.log('| calls/s | p50 | p99 | p99 from its write | slowest | errors | scavenges | promoted per call | scavenge pause mean / max | major GCs | major pause max |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  console.log(
    `| ${r.rps.toFixed(0)} of ${RATE} | ${r.p50.toFixed(2)} ms | ${r.p99.toFixed(2)} ms | ${r.writtenP99.toFixed(2)} ms | ${r.max.toFixed(1)} ms | ${r.errors + r.timeouts + r.non2xx} | ${scavenges.length} | ${(promoted / r.requests).toFixed(0)} B | ${(sum(pauses) / pauses.length).toFixed(2)} / ${Math.max(...pauses).toFixed(1)} ms | ${majors.length} | ${majors.length ? Math.max(...majorPauses).toFixed(1) : '-'} ms |`,
  );
  console.log('\n| heap | scavenges | promoted per call | major GCs |\n|---|---:|---:|---:|');
  for (const [k, e] of [...byIsolate].sort((a, b) => order.indexOf(a[0]) - order.indexOf(b[0]))) {
    const name = order.indexOf(k) === 0 ? 'main thread' : `worker ${k}`;
    console.log(`| ${name} | ${e.scavenges} | ${(e.promoted / r.requests).toFixed(0)} B | ${e.majors} |`);
  }
} finally {
  if (server.exitCode === null && server.signalCode === null) {
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  }
  if (process.env.KEEP_TRACE) writeFileSync(process.env.KEEP_TRACE, readFileSync(trace));
  rmSync(dir, { recursive: true, force: true });
}

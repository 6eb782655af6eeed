/**
 * Server CPU per session create, builds side by side (issue 14's "< 250 µs per create"): for each
 * round, each build (in alternating order) gets a fresh server on a fresh folder, pinned to core 0,
 * and creates alone from bench/create-load.ts on core 1, paced at the same rate for every build so
 * their group commits are the same size. CPU is read per thread from /proc (main, the sessions
 * writer, GC helpers, ...), so it needs no subtraction of calls and the machine's other load does
 * not count. Prints each round and the median per build.
 *
 * Usage: node --import tsx bench/create-cpu.ts [--rounds 4] [--seconds 6] [--rate 1000] [--concurrency 64] NAME=CLI_PATH ...
 *   e.g. base=/work/wt/base/dist/cli/main.js new=dist/cli/main.js
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { HOST, startServer, stopServer } from './server-process.js';
import { readdir, readFile } from 'node:fs/promises';
import { choosePinning, pinned } from './wrk-load.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: 'string', default: '4' },
    seconds: { type: 'string', default: '6' },
    rate: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '64' },
  },
});
const builds = positionals.map((p) => {
  const [name, cli] = p.split('=') as [string, string];
  return { name, cli };
});
if (builds.length === 0) throw new Error('give NAME=CLI_PATH for each build');

const RULES = 'rules:\n  - id: masked\n    then: [{ makeCall: other-party }]\n    else: [hangup]\n';
const vn = (i: number) => `+656833${String(2000 + (i % 1000)).padStart(4, '0')}`;
const pin = choosePinning(cpus().length);
const token = 'bench-api-token';
/** ns on CPU per thread id (Node 20 names every thread "node", so names cannot tell them apart). */
async function cpuByTid(pid: number): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const tid of await readdir(`/proc/${pid}/task`)) {
    try {
      out.set(Number(tid) === pid ? 'main' : tid, Number((await readFile(`/proc/${pid}/task/${tid}/schedstat`, 'utf8')).split(' ')[0]));
    } catch {
      // ended meanwhile
    }
  }
  return out;
}
const cpuDelta = (a: Map<string, number>, b: Map<string, number>) => new Map([...b].map(([k, v]) => [k, v - (a.get(k) ?? 0)]));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Round {
  created: number;
  other: string;
  p50: number;
  p99: number;
  /** µs of CPU per 201, by thread group, and in all. */
  us: Map<string, number>;
  total: number;
}

async function round(cli: string): Promise<Round> {
  const dir = mkdtempSync(join(tmpdir(), 'create-cpu-'));
  writeFileSync(join(dir, 'r.yaml'), RULES);
  writeFileSync(join(dir, 'settings.yaml'), 'voiceProfile: en-US-ZiraRUS\n');
  writeFileSync(join(dir, 'pools.yaml'), `pools:\n  - name: rides\n    numbers: [${Array.from({ length: 1000 }, (_, i) => `"${vn(i)}"`).join(', ')}]\n`);
  const server = await startServer('router', (port) => [cli, 'serve', '--rules', dir, '--no-watch', '--port', String(port), '--host', HOST], 60_000, {
    ...(pin.server ? { core: pin.server } : {}),
    env: { API_TOKEN: token, SESSIONS_DB: join(dir, 'sessions.sqlite'), CALL_LOG: join(dir, 'calls.sqlite'), LOG_LEVEL: 'warn' },
  });
  try {
    // A short warm-up (JIT, the file's first pages), not counted.
    await load(server.url, 1, values.rate!);
    const before = await cpuByTid(server.process.pid!);
    const r = await load(server.url, Number(values.seconds), values.rate!);
    const d = cpuDelta(before, await cpuByTid(server.process.pid!));
    const created = r.statuses['201'] ?? 0;
    const us = new Map<string, number>();
    let total = 0;
    // Node 20 leaves its threads unnamed: the main thread, then the others by CPU (the busiest is the sessions writer).
    const others = [...d]
      .filter(([k]) => k !== 'main')
      .map(([, ns]) => ns)
      .sort((a, b) => b - a);
    const groups: [string, number][] = [
      ['main', d.get('main') ?? 0],
      ['1st other', others[0] ?? 0],
      ['2nd other', others[1] ?? 0],
      ['rest', others.slice(2).reduce((a, b) => a + b, 0)],
    ];
    for (const [group, ns] of groups) {
      total += ns;
      us.set(group, ns / 1000 / created);
    }
    const other = Object.entries(r.statuses)
      .filter(([s]) => s !== '201')
      .map(([s, n]) => `${n}×${s}`)
      .join(' ');
    return { created, other, p50: r.p50, p99: r.p99, us, total: total / 1000 / created };
  } finally {
    await stopServer(server);
    rmSync(dir, { recursive: true, force: true });
  }
}

function load(url: string, seconds: number, rate: string): Promise<{ statuses: Record<string, number>; p50: number; p99: number }> {
  const [cmd, args] = pinned(pin.load, process.execPath, ['--import', 'tsx', 'bench/create-load.ts', url, String(seconds), values.concurrency!, token, rate]);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`create-load exited ${code}`))));
  });
}

const results = new Map(builds.map((b) => [b.name, [] as Round[]]));
const rounds = Number(values.rounds);
for (let i = 0; i < rounds; i++) {
  const order = i % 2 === 0 ? builds : [...builds].reverse();
  for (const b of order) {
    const r = await round(b.cli);
    results.get(b.name)!.push(r);
    const parts = [...r.us]
      .sort((x, y) => y[1] - x[1])
      .slice(0, 5)
      .map(([k, v]) => `${k} ${v.toFixed(0)}`);
    console.log(
      `round ${i + 1} ${b.name.padEnd(8)} ${(r.created / Number(values.seconds)).toFixed(0)}/s ${r.other || ''} p50 ${r.p50} ms p99 ${r.p99} ms | ${r.total.toFixed(0)} µs/create (${parts.join(', ')}) | load ${loadavg()[0]!.toFixed(2)}`,
    );
  }
}
console.log(`\nmedian server CPU per create over ${rounds} rounds at ${values.rate}/s:`);
for (const [name, rs] of results) {
  const groups = new Set(rs.flatMap((r) => [...r.us.keys()]));
  const by = [...groups].map((g) => `${g} ${median(rs.map((r) => r.us.get(g) ?? 0)).toFixed(0)}`);
  console.log(`  ${name.padEnd(8)} ${median(rs.map((r) => r.total)).toFixed(0)} µs  (${by.join(', ')})`);
}

/**
 * `npm run bench`: the router with every feature on (decision log, log line, metrics, guards,
 * deadline) against a plain node:http server, a bare Hono app and a hand-written if/else webhook,
 * side by side in interleaved rounds, then 100k rules rewritten under load. With wrk and taskset
 * (Debian: `apt-get install -y wrk`) the servers run on core 0 and the load on core 1; otherwise
 * autocannon shares the cores. Prints markdown and writes it into BENCHMARKS.md (bench:begin/end).
 *
 *   npm run bench                      default run (about 3–4 minutes)
 *   npm run bench -- --long            6 rounds of 5 s per server
 *   npm run bench -- --profile-startup CPU profile of loading 100k rules, summarised by stage
 *   npm run bench -- --http-breakdown  what the router's HTTP layer costs, piece by piece
 *   npm run bench -- --sessions        live masking sessions only (bench/sessions.bench.ts)
 *   --sizes 10,1000   only these rule counts      --no-write   print only, leave BENCHMARKS.md alone
 *   --no-reload       skip the reload under load (the slowest part: up to 10 minutes on a busy machine)
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { checkAnswers, type AnswerCheck } from './check-answers.js';
import { cpuNs } from './cpu.js';
import type { EngineResult } from './engine.bench.js';
import { generateRequests, generateRuleFiles, writeRuleFiles, type BenchRequest } from './generate-rules.js';
import { runLoad, type LoadResult } from './load.js';
import { runPacedLoad } from './paced-load.js';
import { httpBreakdown } from './http-breakdown.js';
import { profileStartup } from './profile-startup.js';
import { reloadUnderLoad, type ReloadReport } from './reload-under-load.js';
import { renderReport, replaceSection, type ScenarioResult } from './report.js';
import { HOST, rssMb, startServer, stopServer, unpinChildren, type ServerUnderTest } from './server-process.js';
import { choosePinning, hasCommand, runWrk, writeWrkScript } from './wrk-load.js';

const { values } = parseArgs({
  options: {
    long: { type: 'boolean', default: false },
    'profile-startup': { type: 'boolean', default: false },
    'http-breakdown': { type: 'boolean', default: false },
    sessions: { type: 'boolean', default: false },
    sizes: { type: 'string', default: '1000,100000' },
    'no-write': { type: 'boolean', default: false },
    'no-reload': { type: 'boolean', default: false },
  },
});
const LONG = values.long;
const SECONDS = LONG ? 30 : 10;
const ROUNDS = LONG ? 6 : 5;
const HALF_SECONDS = LONG ? 30 : 5;
const USE_WRK = hasCommand('wrk');
const PIN = USE_WRK ? choosePinning(cpus().length) : {};
/** Every guard on: the bench sends the webhook secret from an allowed address. */
const WEBHOOK_AUTH = 'Bearer bench-webhook-secret';
const AUTH_HEADERS = { Authorization: WEBHOOK_AUTH };
const WARMUP_SECONDS = LONG ? 5 : 1;
const RELOADS = 10;
const SIZES = values.sizes.split(',').map(Number);
const BENCHMARKS = 'BENCHMARKS.md';
const log = (text: string) => process.stderr.write(`${text}\n`);

if (SIZES.some((n) => !Number.isInteger(n) || n < 4)) {
  log(`--sizes must be whole numbers of rules, each at least 4 (the regional rules and the catch-all), got "${values.sizes}"`);
  process.exit(2);
}
if (!existsSync('dist/cli/main.js')) {
  log('dist/cli/main.js is missing: run `npm run build` first (npm run bench does).');
  process.exit(1);
}

interface Scenario {
  name: string;
  rules?: number;
  args: (port: number) => string[];
  requests: readonly BenchRequest[];
  /** Whether the server routes like the generated rules (the bare app answers one fixed callflow). */
  check: boolean;
  env?: NodeJS.ProcessEnv;
}

interface Running {
  scenario: Scenario;
  server: ServerUnderTest;
  check?: AnswerCheck;
  rounds: LoadResult[];
  /** Server CPU µs per request in each full-speed round (schedstat over all its threads). */
  cpu: number[];
  script: string;
}

async function start(s: Scenario, tmp: string, index: number): Promise<Running> {
  log(`▸ ${s.name}: starting`);
  // The rules loader, the server's child, runs on every core as in production (it is unpinned at
  // once); only the server itself stays on its core.
  const server = await startServer(s.name, s.args, 180_000, { ...(PIN.server ? { core: PIN.server, childCores: `0-${cpus().length - 1}` } : {}), ...(s.env ? { env: s.env } : {}) });
  const script = join(tmp, `wrk-${index}.lua`);
  if (USE_WRK) await writeWrkScript(script, s.requests, AUTH_HEADERS);
  const running: Running = { scenario: s, server, rounds: [], cpu: [], script };
  if (s.check) {
    running.check = await checkAnswers(server.url, s.requests, AUTH_HEADERS);
    if (running.check.wrong > 0) log(`  ${running.check.wrong} of ${running.check.checked} answers wrong, first: ${running.check.firstWrong}`);
  }
  log(`  first answer after ${(server.startupMs / 1000).toFixed(2)} s`);
  return running;
}

/** One full-speed round against one server: wrk on its own core when present, else autocannon; CPU from schedstat. */
async function fullSpeed(r: Running, seconds: number): Promise<{ load: LoadResult; cpuUs: number | undefined }> {
  const before = await cpuNs(r.server.process.pid);
  const load = USE_WRK
    ? await runWrk({ url: r.server.url, script: r.script, seconds, ...(PIN.load ? { core: PIN.load } : {}) })
    : await runLoad({ url: r.server.url, requests: r.scenario.requests, seconds, headers: AUTH_HEADERS });
  const after = await cpuNs(r.server.process.pid);
  return { load, cpuUs: before !== undefined && after !== undefined && load.requests > 0 ? (after - before) / 1000 / load.requests : undefined };
}

const median = (xs: readonly number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** Rounds merged: medians of rate and percentiles (robust to a neighbour's burst), sums of failures, the worst max. */
function mergeRounds(rounds: readonly LoadResult[]): LoadResult {
  const sum = (f: (r: LoadResult) => number) => rounds.reduce((a, r) => a + f(r), 0);
  return {
    rps: median(rounds.map((r) => r.rps)),
    requests: sum((r) => r.requests),
    p50: median(rounds.map((r) => r.p50)),
    p99: median(rounds.map((r) => r.p99)),
    max: Math.max(...rounds.map((r) => r.max)),
    errors: sum((r) => r.errors),
    timeouts: sum((r) => r.timeouts),
    non2xx: sum((r) => r.non2xx),
    resolutionMs: Math.max(...rounds.map((r) => r.resolutionMs)),
    ...(rounds.every((r) => r.clientLagP99 !== undefined) ? { clientLagP99: median(rounds.map((r) => r.clientLagP99!)) } : {}),
  };
}

async function engineBench(): Promise<EngineResult[] | undefined> {
  log('▸ engine alone: decide() in process');
  const sizes = [...new Set([10, ...SIZES.filter((n) => n === 1000 || n === 100_000)])].join(',');
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/engine.bench.ts', '--json', '--sizes', sizes, '--seconds', LONG ? '5' : '1'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) {
    log(`  engine bench failed (exit ${code})`);
    return undefined;
  }
  return JSON.parse(out) as EngineResult[];
}

/** bench/sessions.bench.ts in its own process (its 1M-session heap stays out of this one); its markdown. */
async function sessionsBench(): Promise<string | undefined> {
  log('▸ live masking sessions: lookup among 1M, creates while calls are served');
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/sessions.bench.ts', '--seconds', LONG ? '15' : '5'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) {
    log(`  sessions bench failed (exit ${code})`);
    return undefined;
  }
  return `Run ${new Date().toISOString()} with \`npm run bench\` (or \`npm run bench -- --sessions\` for this part alone); load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ')} at the end.\n${out}`;
}

async function main(): Promise<void> {
  // The bench's own work (paced client, polling) stays on the load generator's core.
  if (PIN.load) spawnSync('taskset', ['-a', '-p', '-c', PIN.load, String(process.pid)], { stdio: 'ignore' });
  if (values['http-breakdown']) {
    const table = await httpBreakdown(LONG ? 15 : 7);
    process.stdout.write(`${table}\n`);
    if (!values['no-write']) await writeSection('breakdown', table);
    return;
  }
  if (values.sessions) {
    const table = await sessionsBench();
    if (table === undefined) process.exitCode = 1;
    else {
      process.stdout.write(`${table}\n`);
      if (!values['no-write']) await writeSection('sessions', table);
    }
    return;
  }
  if (values['profile-startup']) {
    const summary = await profileStartup(100_000);
    process.stdout.write(`${summary}\n`);
    if (!values['no-write']) await writeSection('profile', summary);
    return;
  }
  const startedAt = new Date();
  const tmp = await mkdtemp(join(tmpdir(), 'router-bench-'));
  try {
    const mix10 = generateRequests(10);
    const scenarios: Scenario[] = [
      { name: 'bare Hono (ceiling)', args: (p) => ['bench/baselines/bare.mjs', String(p)], requests: mix10, check: false },
      { name: 'plain node:http', args: (p) => ['bench/baselines/plain-node.mjs', String(p)], requests: mix10, check: false },
      { name: 'hand-written if/else, 10 routes', args: (p) => ['bench/baselines/hand-written.mjs', String(p)], requests: mix10, check: true },
    ];
    for (const n of SIZES) {
      const dir = join(tmp, `rules-${n}`);
      await writeRuleFiles(dir, generateRuleFiles(n));
      scenarios.push({
        name: `router, ${n.toLocaleString('en-US')} rules`,
        rules: n,
        args: (p) => ['dist/cli/main.js', 'serve', '--rules', dir, '--port', String(p), '--host', HOST],
        requests: generateRequests(n),
        check: true,
        // Every feature on: decision log, a JSON log line per call, metrics, secret and allowlist, deadline.
        env: {
          CALL_LOG: join(tmp, `calls-${n}.sqlite`),
          SESSIONS_DB: join(tmp, `sessions-${n}.sqlite`),
          RULES_CACHE: join(tmp, `rules-cache-${n}`),
          LOG_FORMAT: 'json',
          LOG_LEVEL: 'info',
          WEBHOOK_AUTH,
          ALLOW_IPS: '127.0.0.1',
          ADMIN_TOKEN: 'bench-admin',
        },
      });
    }

    const engine = await engineBench();
    // Every server stays up for the whole run and they take turns in short rounds, so that a
    // neighbour's burst on this shared machine hits all of them alike and the ratios hold.
    const running: Running[] = [];
    const results: ScenarioResult[] = [];
    let reload: ReloadReport | undefined;
    try {
      for (const [i, s] of scenarios.entries()) running.push(await start(s, tmp, i));
      for (const r of running) await fullSpeed(r, WARMUP_SECONDS);
      for (let round = 1; round <= ROUNDS; round++) {
        log(`▸ round ${round} of ${ROUNDS} at full speed, ${SECONDS / ROUNDS} s per server`);
        for (const r of running) {
          const { load, cpuUs } = await fullSpeed(r, SECONDS / ROUNDS);
          r.rounds.push(load);
          if (cpuUs !== undefined) r.cpu.push(cpuUs);
        }
      }
      // Half rate also in turns: a fixed rate on a machine whose capacity drifts with other users'
      // load queues up in one long run; short slices and a median keep that drift out of p99.
      const halfRounds = running.map((): LoadResult[] => []);
      for (let round = 1; round <= ROUNDS; round++) {
        log(`▸ round ${round} of ${ROUNDS} at half rate, ${HALF_SECONDS / ROUNDS} s per server`);
        for (const [i, r] of running.entries()) {
          const rate = mergeRounds(r.rounds).rps / 2;
          halfRounds[i]!.push(await runPacedLoad({ url: r.server.url, requests: r.scenario.requests, seconds: HALF_SECONDS / ROUNDS, rate, headers: AUTH_HEADERS }));
        }
      }
      for (const [i, r] of running.entries()) {
        const max = mergeRounds(r.rounds);
        const half = mergeRounds(halfRounds[i]!);
        const rss = await rssMb(r.server);
        log(`▸ ${r.scenario.name}: ${Math.round(max.rps)} req/s, p99 ${max.p99} ms; at half rate p99 ${half.p99.toFixed(2)} ms; RSS ${rss?.toFixed(0)} MB`);
        results.push({
          name: r.scenario.name,
          ...(r.scenario.rules ? { rules: r.scenario.rules } : {}),
          startupMs: r.server.startupMs,
          ...(rss ? { rssMb: rss } : {}),
          ...(r.check ? { check: r.check } : {}),
          ...(r.cpu.length > 0 ? { cpuUs: median(r.cpu) } : {}),
          max,
          half,
        });
      }
      const big = running.find((r) => r.scenario.rules === 100_000);
      const bigResult = results.find((r) => r.rules === 100_000);
      if (big && bigResult && !values['no-reload']) {
        const rate = bigResult.max.rps / 2;
        log(`▸ reload under load: rewriting ${RELOADS} times at ${Math.round(rate)} req/s`);
        // Stop the other servers first: they would only take memory and CPU from the reload.
        for (const r of running) if (r !== big) await stopServer(r.server);
        // The loader is the server's child: unpinned, as in production (nice 10 still applies).
        const repin = PIN.server ? unpinChildren(big.server, `0-${cpus().length - 1}`) : () => {};
        reload = await reloadUnderLoad({
          server: big.server,
          dir: join(tmp, 'rules-100000'),
          totalRules: 100_000,
          requests: big.scenario.requests,
          rate,
          reloads: RELOADS,
          // Long enough for a reload as slow as a cold start, bounded so that the bench ends.
          timeoutMs: Math.min(60_000, Math.max(10_000, 1.2 * big.server.startupMs + 2000)),
          minSeconds: HALF_SECONDS,
          headers: AUTH_HEADERS,
        }).finally(repin);
        const rss = await rssMb(big.server);
        if (rss) reload.rssMbAfter = rss;
        log(`  ${reload.available ? `reloads ${reload.reloadMs.map((d) => (d / 1000).toFixed(2)).join(', ')} s` : reload.note}; p99 ${reload.load.p99} ms, ${reload.load.errors + reload.load.non2xx} failed`);
      }
    } finally {
      for (const r of running) await stopServer(r.server);
    }

    const report = renderReport({
      command: `npm run bench${LONG || values['no-reload'] ? ' --' : ''}${LONG ? ' --long' : ''}${values['no-reload'] ? ' --no-reload' : ''}`,
      loader: USE_WRK
        ? `wrk (1 thread, 10 connections${PIN.load ? `, pinned to core ${PIN.load}; servers pinned to core ${PIN.server}` : ', not pinned: taskset missing or one core'})`
        : 'autocannon (10 connections, in the bench process, sharing the cores: install wrk for a fair run)',
      seconds: SECONDS,
      rounds: ROUNDS,
      halfSeconds: HALF_SECONDS,
      startedAt,
      totalSeconds: (Date.now() - startedAt.getTime()) / 1000,
      scenarios: results,
      ...(reload ? { reload } : {}),
      ...(engine ? { engine } : {}),
    });
    process.stdout.write(`${report}\n`);
    if (!values['no-write']) await writeSection('bench', report);
    const sessions = await sessionsBench();
    if (sessions !== undefined) {
      process.stdout.write(`${sessions}\n`);
      if (!values['no-write']) await writeSection('sessions', sessions);
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

async function writeSection(name: string, body: string): Promise<void> {
  const doc = existsSync(BENCHMARKS) ? await readFile(BENCHMARKS, 'utf8') : '# Benchmarks\n';
  await writeFile(BENCHMARKS, replaceSection(doc, name, body));
  log(`wrote ${BENCHMARKS}`);
}

await main();

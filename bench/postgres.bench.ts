/**
 * The decision log, shared answers and sessions on PostgreSQL against SQLite (issue 16's goals),
 * always with real router processes (the built CLI, every feature on):
 * 1. Call actions through one router and through two router PROCESSES, with the decision log in
 *    SQLite (each its own file) and in one shared PostgreSQL, in interleaved rounds. Besides the
 *    rate (untrustworthy on a shared machine) it reports CPU time per call action on the routers
 *    and on PostgreSQL's processes (schedstat), and PostgreSQL write transactions per call (round
 *    trips that write: every statement the router sends outside a transaction is one). Goal: PostgreSQL >= 80% of SQLite.
 * 2. What duplicate detection adds to a call: the shared-answer claim, one round trip, for a first
 *    delivery and for a repeat, p50 and p99, on its own and while two routers are under load. Goal: p99 < 1 ms.
 * 3. Session creates (POST /sessions) through one router and through two router processes on one
 *    PostgreSQL. Goal: two routers create more per second than one. Then the sessions engine's
 *    writes alone (no HTTP, no router CPU in the way: on this machine both routers share one
 *    core): one and two writers committing creates at once, 16 per commit, as a group commit does.
 * Placement (2 cores or more, taskset present): routers on core 0; the load generator (this
 * process) and PostgreSQL on core 1. --placement shared leaves everything unpinned.
 * PostgreSQL is a private server from Debian's binaries (as the tests start), on this machine.
 *
 * --baseline DIR adds two routers built from another commit (DIR holds its `tsc` output, e.g.
 * bench/.tmp/dist-baseline with a `schema` link beside it) to the same interleaved rounds, on a
 * database of their own (a newer build may have migrated past what they know), and times that
 * build's claim beside this one's: before and after in one run.
 *
 * --parts calls,creates,writes,claims (the default: all four) runs only those measurements.
 * --connections 10,50 (the default): call actions at each of these connection counts. With a
 * round trip to PostgreSQL in every call, 10 connections leave the router waiting; 50 keep it busy.
 * The load is wrk (pinned beside PostgreSQL) when it is installed, autocannon otherwise.
 *
 * Usage: npm run build && npm run bench:postgres -- [--seconds 5] [--rounds 3] [--rules 1000] [--claims 5000] [--placement split|shared] [--baseline DIR] [--parts LIST] [--connections LIST]
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { openPool } from '../src/postgres/open-pool.js';
import { connectPostgres } from '../src/store/postgres-call-log.js';
import { PostgresSharedEvents } from '../src/store/shared-events.js';
import { PostgresEngine } from '../src/sessions/postgres-engine.js';
import type { Session } from '../src/sessions/session.js';
import type { WriteOp } from '../src/sessions/store-writer.js';
import { startCluster } from '../test/helpers/postgres-cluster.js';
import { cpuNs } from './cpu.js';
import { generateRequests, generateRuleFiles, writeRuleFiles } from './generate-rules.js';
import { runLoad, startLoad, type LoadResult } from './load.js';
import { startServer, stopServer, type ServerUnderTest } from './server-process.js';
import { hasCommand, runWrk, writeWrkCreateScript, writeWrkScript } from './wrk-load.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    rules: { type: 'string', default: '1000' },
    claims: { type: 'string', default: '5000' },
    placement: { type: 'string', default: 'split' },
    'create-clients': { type: 'string', default: '32' },
    baseline: { type: 'string' },
    parts: { type: 'string', default: 'calls,creates,writes,claims' },
    connections: { type: 'string', default: '10,50' },
  },
});
/** Which of the four measurements to run (all by default): fewer parts leave time for more rounds of one. */
const PARTS = new Set(values.parts.split(','));
const SECONDS = Number(values.seconds);
/**
 * Call actions are measured at each of these connection counts (in all, split over the routers).
 * With a database round trip in every call, 10 connections measure how the rate follows the
 * round trip; 50 keep the router busy, which is its maximum rate.
 */
const CONNECTIONS = values.connections.split(',').map(Number);
if (CONNECTIONS.some((c) => !Number.isInteger(c) || c < 2)) throw new Error(`--connections takes whole numbers of 2 or more, e.g. 10,50 (got ${values.connections})`);
const ROUNDS = Number(values.rounds);
const split = values.placement === 'split' && cpus().length >= 2 && hasCommand('taskset');
const ROUTER_CORE = split ? '0' : undefined;
const useWrk = hasCommand('wrk');
const log = (text: string) => process.stderr.write(`${text}\n`);
const pin = (pid: number, core: string) => execFileSync('taskset', ['-a', '-p', '-c', core, String(pid)], { stdio: 'ignore' });
const load0 = loadavg()[0]!;

/** PostgreSQL's processes: the postmaster and everything it forked (backends, WAL writer, checkpointer...). */
function postgresPids(postmaster: number): number[] {
  const pids = [postmaster];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === postmaster) pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}
const sumCpu = async (pids: readonly number[]) => (await Promise.all(pids.map((p) => cpuNs(p)))).reduce<number>((n, c) => n + (c ?? 0), 0);
/**
 * CPU ns PostgreSQL has spent so far: every live process (schedstat), plus what the postmaster's
 * children that already exited spent (cutime + cstime, in clock ticks): backends come and go with
 * the routers' pools.
 */
async function postgresCpuNs(postmaster: number): Promise<number> {
  const line = readFileSync(`/proc/${postmaster}/stat`, 'utf8');
  const stat = line.slice(line.lastIndexOf(')') + 2).split(' ');
  const reaped = (Number(stat[13]) + Number(stat[14])) * (1e9 / CLOCK_TICKS);
  return reaped + (await sumCpu(postgresPids(postmaster)));
}
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

const cluster = await startCluster();
const postmaster = Number(readFileSync(join(cluster.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
if (split) {
  // Backends forked later inherit the postmaster's core.
  for (const pid of postgresPids(postmaster)) pin(pid, '1');
  pin(process.pid, '1');
}
const work = await mkdtemp(join(tmpdir(), 'bench-postgres-'));
const servers: ServerUnderTest[] = [];
try {
  const rulesDir = join(work, 'rules');
  await writeRuleFiles(rulesDir, generateRuleFiles(Number(values.rules)));
  const vn = (i: number) => `+656833${String(2000 + (i % 1000)).padStart(4, '0')}`;
  await writeFile(join(rulesDir, 'pools.yaml'), `pools:\n  - name: rides\n    numbers: [${Array.from({ length: 1000 }, (_, i) => `"${vn(i)}"`).join(', ')}]\n`);
  const requests = generateRequests(Number(values.rules));
  const admin = new pg.Client({ connectionString: cluster.url });
  admin.on('error', (e) => log(`bench's PostgreSQL connection: ${e.message}`));
  await admin.connect();
  await admin.query('CREATE DATABASE bench');
  const databaseUrl = cluster.url.replace(/\/postgres$/, '/bench');
  // The baseline build gets a database of its own: the newer build may have migrated past what it knows.
  if (values.baseline) await admin.query('CREATE DATABASE bench_baseline');
  const baselineUrl = cluster.url.replace(/\/postgres$/, '/bench_baseline');
  // Write transactions PostgreSQL started (each takes a transaction id): the routers' round trips that write.
  const commits = async () => {
    const { rows } = await admin.query<{ n: string }>('SELECT txid_current() AS n');
    return Number(rows[0]?.n ?? 0);
  };

  const token = 'bench-token-0123456789abcdef';
  const env = { LOG_LEVEL: 'warn', WATCH: '0', API_TOKEN: token };
  const router = async (name: string, extra: NodeJS.ProcessEnv, dist = 'dist') => {
    const s = await startServer(name, (port) => [join(dist, 'cli/main.js'), 'serve', '--rules', rulesDir, '--port', String(port), '--host', '127.0.0.1'], 60_000, { core: ROUTER_CORE, env: { ...env, ...extra } });
    servers.push(s);
    return s;
  };
  const sqliteA = await router('sqlite-a', { CALL_LOG: join(work, 'calls-a.sqlite'), SESSIONS_DB: join(work, 'sessions-a.sqlite') });
  const sqliteB = await router('sqlite-b', { CALL_LOG: join(work, 'calls-b.sqlite'), SESSIONS_DB: join(work, 'sessions-b.sqlite') });
  const postgresA = await router('postgres-a', { DATABASE_URL: databaseUrl });
  const postgresB = await router('postgres-b', { DATABASE_URL: databaseUrl });
  const baseline = values.baseline ? [await router('baseline-a', { DATABASE_URL: baselineUrl }, values.baseline), await router('baseline-b', { DATABASE_URL: baselineUrl }, values.baseline)] : [];

  interface Sample {
    rps: number;
    routerUs: number;
    postgresUs: number;
    commitsPerCall: number;
    p99: number;
    failed: number;
  }
  const setups: Record<string, ServerUnderTest[]> = {
    'SQLite, one router': [sqliteA],
    'PostgreSQL, one router': [postgresA],
    'SQLite, two routers (own files)': [sqliteA, sqliteB],
    'PostgreSQL, two routers (one database)': [postgresA, postgresB],
    ...(baseline.length ? { 'PostgreSQL baseline build, one router': [baseline[0]!], 'PostgreSQL baseline build, two routers': baseline } : {}),
  };
  const samples = new Map(CONNECTIONS.map((c) => [c, Object.fromEntries(Object.keys(setups).map((k) => [k, [] as Sample[]]))]));
  // wrk (C, on core 1 beside PostgreSQL) takes far less of that core than autocannon in this process would.
  const wrkScript = useWrk ? join(work, 'mix.lua') : undefined;
  if (wrkScript) await writeWrkScript(wrkScript, requests, {});
  const callLoad = (s: ServerUnderTest, connections: number) =>
    wrkScript ? runWrk({ url: s.url, script: wrkScript, seconds: SECONDS, connections, ...(split ? { core: '1' } : {}) }) : runLoad({ url: s.url, requests, seconds: SECONDS, connections });
  const measure = async (routers: ServerUnderTest[], run: () => Promise<LoadResult[]>) => {
    const c0 = await commits();
    const [r0, p0] = [await sumCpu(routers.map((s) => s.process.pid!)), await postgresCpuNs(postmaster)];
    const results = await run();
    const [r1, p1] = [await sumCpu(routers.map((s) => s.process.pid!)), await postgresCpuNs(postmaster)];
    const c1 = await commits();
    const calls = results.reduce((n, r) => n + r.requests, 0);
    return {
      rps: results.reduce((n, r) => n + r.rps, 0),
      routerUs: (r1 - r0) / 1000 / calls,
      postgresUs: (p1 - p0) / 1000 / calls,
      commitsPerCall: (c1 - c0 - 1) / calls,
      p99: Math.max(...results.map((r) => r.p99)),
      failed: results.reduce((n, r) => n + r.errors + r.non2xx, 0),
    };
  };
  for (const s of servers) await runLoad({ url: s.url, requests, seconds: 1 });
  for (let round = 0; round < (PARTS.has('calls') ? ROUNDS : 0); round++) {
    for (const connections of CONNECTIONS) {
      for (const [name, routers] of Object.entries(setups)) {
        samples.get(connections)![name]!.push(await measure(routers, () => Promise.all(routers.map((s) => callLoad(s, Math.round(connections / routers.length))))));
      }
    }
    log(`call-action round ${round + 1}/${ROUNDS} done`);
  }

  // Session creates: one router, then two router processes, on one PostgreSQL (SQLite alongside).
  const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  let person = 0;
  const createScript = useWrk ? join(work, 'creates.lua') : undefined;
  if (createScript) await writeWrkCreateScript(createScript, 'rides', { Authorization: `Bearer ${token}` });
  // wrk when installed: fetch() in this process costs core 1 (PostgreSQL's) more than the creates do.
  const creates = async (routers: ServerUnderTest[]): Promise<LoadResult> => {
    if (!createScript) return createsByFetch(routers);
    const clients = Number(values['create-clients']);
    const runs = await Promise.all(
      routers.map((s) => runWrk({ url: s.url, script: createScript, path: '/sessions', seconds: SECONDS, connections: Math.round(clients / routers.length), ...(split ? { core: '1' } : {}) })),
    );
    // wrk counts an answer other than 2xx/3xx (a 409) as a status error: only the 201s were creates.
    const created = runs.reduce((n, r) => n + r.requests - r.non2xx, 0);
    return {
      ...runs[0]!,
      rps: runs.reduce((n, r) => n + r.rps * (1 - r.non2xx / Math.max(1, r.requests)), 0),
      requests: created,
      errors: runs.reduce((n, r) => n + r.errors + r.non2xx, 0),
      non2xx: 0,
      p99: Math.max(...runs.map((r) => r.p99)),
    };
  };
  const createsByFetch = async (routers: ServerUnderTest[]) => {
    const t0 = performance.now();
    const end = t0 + SECONDS * 1000;
    const statuses = new Map<number, number>();
    const clients = Number(values['create-clients']);
    await Promise.all(
      Array.from({ length: clients }, async (_, c) => {
        const url = routers[c % routers.length]!.url;
        while (performance.now() < end) {
          const i = person++;
          const res = await fetch(`${url}/sessions`, {
            method: 'POST',
            headers: auth,
            body: JSON.stringify({ parties: [`+659${String(i).padStart(7, '0')}`, `+658${String(i).padStart(7, '0')}`], pool: 'rides', ttl: 600 }),
          });
          await res.arrayBuffer();
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const created = statuses.get(201) ?? 0;
    return {
      rps: created / seconds,
      requests: created,
      p50: 0,
      p99: 0,
      max: 0,
      errors: [...statuses].filter(([s]) => s !== 201).reduce((n, [, k]) => n + k, 0),
      timeouts: 0,
      non2xx: 0,
      resolutionMs: 1,
    } satisfies LoadResult;
  };
  const createSetups: Record<string, ServerUnderTest[]> = {
    'SQLite, one router': [sqliteA],
    'PostgreSQL, one router': [postgresA],
    'PostgreSQL, two routers (one database)': [postgresA, postgresB],
    ...(baseline.length ? { 'PostgreSQL baseline build, one router': [baseline[0]!], 'PostgreSQL baseline build, two routers': baseline } : {}),
  };
  const createSamples: Record<string, Sample[]> = Object.fromEntries(Object.keys(createSetups).map((k) => [k, []]));
  for (let round = 0; round < (PARTS.has('creates') ? ROUNDS : 0); round++) {
    for (const [name, routers] of Object.entries(createSetups)) createSamples[name]!.push(await measure(routers, async () => [await creates(routers)]));
    log(`create round ${round + 1}/${ROUNDS} done`);
  }

  // The sessions engine's writes alone: writers on one database, each its own pool, as routers are.
  type Committer = { commit(jobs: WriteOp[][]): Promise<unknown> };
  const baselineEngine = values.baseline ? ((await import(join(resolve(values.baseline), 'sessions/postgres-engine.js'))) as { PostgresEngine: new (p: pg.Pool, log: () => void) => Committer }).PostgresEngine : undefined;
  const writerPools: pg.Pool[] = [];
  const writers = (build: 'this' | 'baseline', n: number): Committer[] =>
    Array.from({ length: n }, () => {
      const p = openPool({ url: build === 'this' ? databaseUrl : baselineUrl, max: 2, log: () => {} });
      writerPools.push(p);
      return build === 'this' ? new PostgresEngine(p, () => {}) : new baselineEngine!(p, () => {});
    });
  let writeId = 0;
  const session = (): Session => {
    const i = writeId++;
    const now = Date.now();
    return { id: `w${i}`, status: 'open', virtualNumber: vn(i), parties: [`+6591${String(i).padStart(6, '0')}`, `+6581${String(i).padStart(6, '0')}`], lastActivityAt: now, createdAt: now, expiresAt: now + 600_000 };
  };
  const writeSetups: Record<string, Committer[]> = {
    'this build, one writer': writers('this', 1),
    'this build, two writers': writers('this', 2),
    ...(baselineEngine ? { 'baseline build, one writer': writers('baseline', 1), 'baseline build, two writers': writers('baseline', 2) } : {}),
  };
  const writeSamples: Record<string, number[]> = Object.fromEntries(Object.keys(writeSetups).map((k) => [k, []]));
  for (let round = 0; round < (PARTS.has('writes') ? ROUNDS : 0); round++) {
    for (const [name, ws] of Object.entries(writeSetups)) {
      const end = performance.now() + SECONDS * 1000;
      let created = 0;
      const t0 = performance.now();
      await Promise.all(
        ws.map(async (w) => {
          while (performance.now() < end) {
            const jobs = Array.from({ length: 16 }, (): WriteOp[] => [{ op: 'insert', session: session() }]);
            await w.commit(jobs);
            created += jobs.length;
          }
        }),
      );
      writeSamples[name]!.push(created / ((performance.now() - t0) / 1000));
    }
    log(`sessions writes round ${round + 1}/${ROUNDS} done`);
  }
  for (const p of writerPools) await p.end();

  // Duplicate detection on its own, then while both PostgreSQL routers are under load.
  const pool = openPool({ url: databaseUrl, max: 4, log: () => {} });
  const connection = await connectPostgres(pool, { maxAgeMs: 1e12, maxRows: 1e12, maxBytes: 0 }, { log: () => {} });
  const shared = new PostgresSharedEvents(pool);
  type Claimer = Pick<PostgresSharedEvents, 'claimAnswer'>;
  // The baseline build's claim, on the same database and tables (its schema for the decision log is the same).
  const baselineShared: Claimer | undefined = values.baseline
    ? new ((await import(join(resolve(values.baseline), 'store/shared-events.js'))) as { PostgresSharedEvents: new (p: pg.Pool) => Claimer }).PostgresSharedEvents(pool)
    : undefined;
  const claims = PARTS.has('claims') ? Number(values.claims) : 0;
  const claimRun = async (tag: string, shared: Claimer, count = claims) => {
    const first: number[] = [];
    const repeat: number[] = [];
    for (let i = 0; i < count; i++) {
      const event = `{"payload":{"eventId":"bench-${tag}-${i}","source":"+6581234567"}}`;
      let t = performance.now();
      await shared.claimAnswer(`bench-${tag}-${i}`, event, '{"callflow":[{"action":"hangup"}]}');
      first.push(performance.now() - t);
      t = performance.now();
      await shared.claimAnswer(`bench-${tag}-${i}`, event, '{"callflow":[{"action":"hangup"}]}');
      repeat.push(performance.now() - t);
    }
    return { first, repeat };
  };
  const claimers: [string, Claimer][] = [['this build', shared], ...(baselineShared ? [['baseline build', baselineShared] as [string, Claimer]] : [])];
  const claimSamples = new Map<string, { alone: { first: number[]; repeat: number[] }; loaded: { first: number[]; repeat: number[] } }>();
  for (const [name, claimer] of claimers) claimSamples.set(name, { alone: await claimRun(`alone-${name}`, claimer), loaded: { first: [], repeat: [] } });
  const loads = [postgresA, postgresB].map((s) => startLoad({ url: s.url, requests, seconds: 600, connections: 5, rate: 500 }));
  // Interleaved in slices, so both builds see the same load.
  for (let slice = 0; slice < 5; slice++) {
    for (const [name, claimer] of claimers) {
      const part = await claimRun(`loaded-${slice}-${name}`, claimer, Math.ceil(claims / 5));
      const into = claimSamples.get(name)!.loaded;
      into.first.push(...part.first);
      into.repeat.push(...part.repeat);
    }
  }
  for (const l of loads) l.stop();
  await Promise.all(loads.map((l) => l.result));
  await shared.close();
  await connection.writer.close();
  await pool.end();
  await admin.end();

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
  const med = (rs: Sample[], k: keyof Sample) => median(rs.map((r) => r[k]));
  const table = (all: Record<string, Sample[]>, base: string, unit: string) => [
    `| Setup | ${unit}/s | vs ${base} | router CPU µs per ${unit} | PostgreSQL CPU µs per ${unit} | router + PostgreSQL µs | PostgreSQL write transactions per ${unit} | p99 ms | failed |`,
    '|---|---|---|---|---|---|---|---|---|',
    ...Object.entries(all).map(([name, rs]) => {
      const rps = med(rs, 'rps');
      const baseRps = med(all[base]!, 'rps');
      const pgUs = name.startsWith('SQLite') ? '–' : med(rs, 'postgresUs').toFixed(0);
      const total = med(rs, 'routerUs') + (name.startsWith('SQLite') ? 0 : med(rs, 'postgresUs'));
      return `| ${name} | ${Math.round(rps)} | ${Math.round((rps / baseRps) * 100)}% | ${med(rs, 'routerUs').toFixed(0)} | ${pgUs} | ${total.toFixed(0)} | ${name.startsWith('SQLite') ? '–' : med(rs, 'commitsPerCall').toFixed(2)} | ${med(rs, 'p99') > 0 ? med(rs, 'p99').toFixed(2) : '–'} | ${rs.reduce((n, r) => n + r.failed, 0)} |`;
    }),
  ];
  const placement = split ? 'routers pinned to core 0, load generator and PostgreSQL to core 1' : 'nothing pinned';
  const lines = [
    `${new Date().toISOString().slice(0, 16)} UTC, load average ${load0.toFixed(2)} at start and ${loadavg()[0]!.toFixed(2)} at the end, ${placement}.`,
    ...(PARTS.has('calls')
      ? CONNECTIONS.flatMap((c) => [
          '',
          `Call actions, median of ${ROUNDS} interleaved rounds of ${SECONDS} s, ${values.rules} rules, ${useWrk ? 'wrk' : 'autocannon'} with ${c} connections in all:`,
          '',
          ...table(samples.get(c)!, 'SQLite, one router', 'call'),
        ])
      : []),
    ...(PARTS.has('creates')
      ? [
          '',
          `Session creates (POST /sessions, ${values['create-clients']} ${useWrk ? 'wrk connections' : 'fetch clients'} in all, pool of 1,000 numbers), median of ${ROUNDS} rounds of ${SECONDS} s:`,
          '',
          ...table(createSamples, 'PostgreSQL, one router', 'create'),
        ]
      : []),
    ...(PARTS.has('writes')
      ? [
          '',
          `Sessions engine writes alone (creates committed 16 at a time, writers each with their own pool), median of ${ROUNDS} rounds of ${SECONDS} s:`,
          '',
          '| Writers | creates/s | vs one writer of the same build |',
          '|---|---|---|',
          ...Object.entries(writeSamples).map(([name, xs]) => {
            const one = writeSamples[name.replace('two writers', 'one writer')]!;
            return `| ${name} | ${Math.round(median(xs))} | ${Math.round((median(xs) / median(one)) * 100)}% |`;
          }),
        ]
      : []),
    ...(PARTS.has('claims')
      ? [
          '',
          `Duplicate detection (the shared-answer claim, one round trip), ${claims} events each:`,
          '',
          '| Build | Delivery | alone p50 ms | alone p99 ms | two routers at 500 calls/s each: p50 ms | p99 ms |',
          '|---|---|---|---|---|---|',
          ...[...claimSamples].flatMap(([name, { alone, loaded }]) => [
            `| ${name} | first (insert) | ${median(alone.first).toFixed(3)} | ${pct(alone.first, 0.99).toFixed(3)} | ${median(loaded.first).toFixed(3)} | ${pct(loaded.first, 0.99).toFixed(3)} |`,
            `| ${name} | repeat (conflict, read back) | ${median(alone.repeat).toFixed(3)} | ${pct(alone.repeat, 0.99).toFixed(3)} | ${median(loaded.repeat).toFixed(3)} | ${pct(loaded.repeat, 0.99).toFixed(3)} |`,
          ]),
        ]
      : []),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  for (const s of servers) await stopServer(s);
  cluster.stop();
  await rm(work, { recursive: true, force: true });
}

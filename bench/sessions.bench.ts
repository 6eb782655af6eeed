/**
 * Live masking sessions.
 * 1. What one call's decide() costs with 10 open sessions and with 1,000,000 (the lookup is the
 *    in-memory index: two Map reads, so the two should cost the same). Runs alternate to share noise.
 * 2. Creates per second through the real app (POST /sessions, committed to a real SQLite file with
 *    synchronous=FULL) and their latency, while call actions are served at a fixed rate on the same
 *    thread, with those calls' latency.
 *
 * 3. (--part postgres) Creates per second on PostgreSQL through one router and through two (each
 *    with its own pool and LISTEN connection, in this process), next to SQLite. The server is
 *    BENCH_DATABASE_URL, or a private one from Debian's binaries (fsync off: it measures the
 *    router's side, not your disks).
 *
 * Usage: npm run bench:sessions -- [--sessions 1000000] [--seconds 5] [--call-rate 2000] [--concurrency 64] [--part create|lookup|both|postgres]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { decide } from '../src/engine/decide.js';
import { makeCallActionPayload } from '../src/events/make-event.js';
import { createApp } from '../src/http/app.js';
import { LiveRules } from '../src/reload/live-rules.js';
import { buildRuleSet } from '../src/rules/build-rule-set.js';
import { loadRules } from '../src/rules/load-rules.js';
import { SessionIndex } from '../src/sessions/session-index.js';
import { openPool } from '../src/postgres/open-pool.js';
import { openSessions } from '../src/sessions/open-sessions.js';
import { Sessions } from '../src/sessions/sessions-service.js';
import { startCluster } from '../test/helpers/postgres-cluster.js';

const { values } = parseArgs({
  options: {
    sessions: { type: 'string', default: '1000000' },
    seconds: { type: 'string', default: '5' },
    'call-rate': { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '64' },
    part: { type: 'string', default: 'both' },
  },
});
const SECONDS = Number(values.seconds);

const RULES = 'rules:\n  - id: masked\n    then: [{ makeCall: other-party }]\n    else: [hangup]\n';
const vn = (i: number) => `+656833${String(2000 + (i % 1000)).padStart(4, '0')}`;
const rider = (i: number) => `+659${String(i).padStart(7, '0')}`;
const driver = (i: number) => `+658${String(i).padStart(7, '0')}`;

function indexOf(n: number): SessionIndex {
  const index = new SessionIndex();
  for (let i = 0; i < n; i++) {
    index.add({ id: `ses_${i}`, status: 'open', virtualNumber: vn(i), parties: [rider(i), driver(i)], lastActivityAt: Date.now(), createdAt: 0, idleTtl: 86_400 });
  }
  return index;
}

function lookupBench(): void {
  const ruleSet = buildRuleSet({ ruleFiles: [{ file: 'r.yaml', text: RULES }], settings: { file: 'settings.yaml', text: 'voiceProfile: en-US-ZiraRUS\n' } }).ruleSet!;
  const big = Number(values.sessions);
  const t0 = performance.now();
  const sizes = [
    { n: 10, index: indexOf(10) },
    { n: big, index: indexOf(big) },
  ];
  const indexMs = performance.now() - t0;
  const payloads = (n: number) => Array.from({ length: 1000 }, (_, k) => makeCallActionPayload({ source: rider((k * 7919) % n), destination: vn((k * 7919) % n), sessionId: `s${k}` }));
  const runs = sizes.map((s) => ({ ...s, calls: payloads(s.n), ns: [] as number[] }));
  let sink = 0;
  const loop = (r: (typeof runs)[number], iterations: number) => {
    const now = new Date();
    for (let i = 0; i < iterations; i++) sink += decide(ruleSet, r.calls[i % 1000]!, { now, sessions: r.index }).response.callflow.length;
  };
  for (const r of runs) {
    const step = r.calls[0] && decide(ruleSet, r.calls[0], { sessions: r.index }).response.callflow[0];
    if (step?.action !== 'makeCall') throw new Error('the bench call did not find its session');
    loop(r, 100_000); // warm up
  }
  for (let round = 0; round < 10; round++) {
    for (const r of runs) {
      const start = process.hrtime.bigint();
      loop(r, 200_000);
      r.ns.push(Number(process.hrtime.bigint() - start) / 200_000);
    }
  }
  if (sink < 0) throw new Error('unreachable');
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const [small, large] = runs.map((r) => median(r.ns));
  console.log(`\n## decide() with a live-session lookup (median of 10 alternating runs of 200k calls; index of ${big.toLocaleString('en-US')} built in ${(indexMs / 1000).toFixed(1)} s, heap ${(process.memoryUsage().heapUsed / 1e6).toFixed(0)} MB)\n`);
  console.log('| open sessions | time per decide() | vs 10 sessions |\n|---:|---:|---:|');
  console.log(`| 10 | ${(small! / 1000).toFixed(2)} µs | 1.00× |`);
  console.log(`| ${big.toLocaleString('en-US')} | ${(large! / 1000).toFixed(2)} µs | ${(large! / small!).toFixed(2)}× |`);
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

async function createBench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sessions-bench-'));
  try {
    writeFileSync(join(dir, 'r.yaml'), RULES);
    writeFileSync(join(dir, 'settings.yaml'), 'voiceProfile: en-US-ZiraRUS\n');
    writeFileSync(join(dir, 'pools.yaml'), `pools:\n  - name: rides\n    numbers: [${Array.from({ length: 1000 }, (_, i) => `"${vn(i)}"`).join(', ')}]\n`);
    const loaded = await loadRules(dir);
    const rules = new LiveRules(loaded.ruleSet!);
    const sessions = new Sessions({ path: join(dir, 'sessions.sqlite'), pools: () => rules.current().pools });
    const app = createApp({ rules, sessions, apiToken: 't' });
    // Sessions for the calls to find.
    for (let i = 0; i < 1000; i++) await app.request('/sessions', { method: 'POST', headers: { authorization: 'Bearer t' }, body: JSON.stringify({ parties: [rider(9_000_000 + i), driver(9_000_000 + i)], virtualNumber: vn(i) }) });

    const createMs: number[] = [];
    const callMs: number[] = [];
    let created = 0;
    let refused = 0;
    let next = 0;
    const end = performance.now() + SECONDS * 1000;
    const creator = async () => {
      while (performance.now() < end) {
        const i = next++;
        const t = performance.now();
        const res = await app.request('/sessions', { method: 'POST', headers: { authorization: 'Bearer t' }, body: JSON.stringify({ parties: [rider(i), driver(i)], pool: 'rides', ttl: 3600 }) });
        createMs.push(performance.now() - t);
        if (res.status === 201) created++;
        else refused++;
      }
    };
    const rate = Number(values['call-rate']);
    let calls = 0;
    const caller = async () => {
      const started = performance.now();
      const pending: Promise<void>[] = [];
      while (performance.now() < end) {
        const due = started + (calls * 1000) / rate;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, Math.min(wait, 5)));
        while (calls < ((performance.now() - started) * rate) / 1000 && performance.now() < end) {
          const k = calls++ % 1000;
          const t = performance.now();
          const payload = makeCallActionPayload({ eventId: `e${calls}`, source: rider(9_000_000 + k), destination: vn(k), sessionId: `c${calls}` });
          pending.push(
            Promise.resolve(app.request("/webhooks/call-action", { method: "POST", body: JSON.stringify({ payload }), headers: { "content-type": "application/json" } })).then(async (r) => {
              await r.text();
              callMs.push(performance.now() - t);
            }),
          );
        }
      }
      await Promise.all(pending);
    };
    const t0 = performance.now();
    await Promise.all([...Array.from({ length: Number(values.concurrency) }, creator), caller()]);
    const seconds = (performance.now() - t0) / 1000;
    sessions.close();
    console.log(`\n## Creates through POST /sessions (real SQLite file, synchronous=FULL, group commit) with ${values.concurrency} clients, while ${rate}/s call actions run on the same thread, ${SECONDS} s\n`);
    console.log('| creates/s | create p50 | create p99 | refused | calls/s served | call p50 | call p99 | slowest call |\n|---:|---:|---:|---:|---:|---:|---:|---:|');
    console.log(
      `| ${(created / seconds).toFixed(0)} | ${pct(createMs, 50).toFixed(1)} ms | ${pct(createMs, 99).toFixed(1)} ms | ${refused} | ${(callMs.length / seconds).toFixed(0)} | ${pct(callMs, 50).toFixed(2)} ms | ${pct(callMs, 99).toFixed(2)} ms | ${Math.max(...callMs).toFixed(1)} ms |`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Creates for SECONDS from `concurrency` clients spread over the routers; every pair distinct, numbers from a 1,000-number pool. */
async function createsOn(routers: Sessions[]): Promise<{ perSecond: number; p50: number; p99: number; refused: number }> {
  const ms: number[] = [];
  let created = 0;
  let refused = 0;
  let next = 0;
  const end = performance.now() + SECONDS * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: Number(values.concurrency) }, async (_, c) => {
      const router = routers[c % routers.length]!;
      while (performance.now() < end) {
        const i = next++;
        const t = performance.now();
        const r = await router.create({ parties: [rider(i), driver(i)], pool: 'rides', expiresAt: Date.now() + 3_600_000 }, `h${i}`);
        ms.push(performance.now() - t);
        if (r.ok) created++;
        else refused++;
      }
    }),
  );
  return { perSecond: created / ((performance.now() - t0) / 1000), p50: pct(ms, 50), p99: pct(ms, 99), refused };
}

async function postgresBench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sessions-bench-pg-'));
  const cluster = process.env.BENCH_DATABASE_URL ? undefined : await startCluster();
  const url = process.env.BENCH_DATABASE_URL ?? cluster!.url;
  const opened: (() => Promise<void>)[] = [];
  try {
    writeFileSync(join(dir, 'r.yaml'), RULES);
    writeFileSync(join(dir, 'settings.yaml'), 'voiceProfile: en-US-ZiraRUS\n');
    writeFileSync(join(dir, 'pools.yaml'), `pools:\n  - name: rides\n    numbers: [${Array.from({ length: 1000 }, (_, i) => `"${vn(i)}"`).join(', ')}]\n`);
    const rules = new LiveRules((await loadRules(dir)).ruleSet!);
    const pools = () => rules.current().pools;
    const config = { sessionsDb: join(dir, 'sessions.sqlite'), sessionsRetentionDays: 30 };
    const open = async (database?: ReturnType<typeof openPool>) => {
      const s = (await openSessions(config, pools, () => {}, database))!;
      opened.push(async () => {
        await s.close();
        await database?.end();
      });
      return s;
    };
    const rows: string[] = [];
    const sqlite = await createsOn([await open()]);
    rows.push(`| SQLite file (synchronous=FULL) | 1 | ${sqlite.perSecond.toFixed(0)} | ${sqlite.p50.toFixed(1)} ms | ${sqlite.p99.toFixed(1)} ms | ${sqlite.refused} |`);
    for (const n of [1, 2]) {
      const pg = await import('pg');
      const admin = new pg.default.Client({ connectionString: url });
      await admin.connect();
      const name = `bench_${n}_${Date.now()}`;
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.end();
      const dbUrl = new URL(url);
      dbUrl.pathname = `/${name}`;
      const routers = [];
      for (let k = 0; k < n; k++) routers.push(await open(openPool({ url: dbUrl.toString(), max: 10, log: () => {} })));
      const r = await createsOn(routers);
      rows.push(`| PostgreSQL | ${n} | ${r.perSecond.toFixed(0)} | ${r.p50.toFixed(1)} ms | ${r.p99.toFixed(1)} ms | ${r.refused} |`);
    }
    console.log(`\n## Session creates, SQLite and PostgreSQL, ${values.concurrency} clients spread over the routers, ${SECONDS} s each (routers in one process: they share one CPU thread)\n`);
    console.log('| store | routers | creates/s | create p50 | create p99 | refused |\n|---|---:|---:|---:|---:|---:|');
    for (const row of rows) console.log(row);
  } finally {
    for (const close of opened.reverse()) await close();
    cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (values.part === 'postgres') await postgresBench();
else {
  // Creates first: the 1M-session index afterwards would leave a big heap for the collector.
  if (values.part !== 'lookup') await createBench();
  if (values.part !== 'create') lookupBench();
}

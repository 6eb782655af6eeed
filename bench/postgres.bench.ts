/**
 * The decision log and shared answers on PostgreSQL against SQLite (issue 16's goals):
 * 1. Call actions per second through the real router (the built CLI, every feature on) with the
 *    decision log in SQLite, in PostgreSQL, and on two routers sharing one PostgreSQL (their rates
 *    added), in interleaved rounds. Goal: PostgreSQL >= 80% of SQLite.
 * 2. What duplicate detection adds to a call: the shared-answer claim (one round trip, INSERT ...
 *    ON CONFLICT DO NOTHING) for a first delivery and for a repeat, p50 and p99. Goal: p99 < 1 ms.
 * PostgreSQL is a private server from Debian's binaries (as the tests start), on this machine.
 *
 * Usage: npm run build && npm run bench:postgres -- [--seconds 5] [--rounds 3] [--rules 1000] [--claims 5000]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { openPool } from '../src/postgres/open-pool.js';
import { connectPostgres } from '../src/store/postgres-call-log.js';
import { PostgresSharedEvents } from '../src/store/shared-events.js';
import { startCluster } from '../test/helpers/postgres-cluster.js';
import { generateRequests, generateRuleFiles, writeRuleFiles } from './generate-rules.js';
import { runLoad, type LoadResult } from './load.js';
import { startServer, stopServer, type ServerUnderTest } from './server-process.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    rules: { type: 'string', default: '1000' },
    claims: { type: 'string', default: '5000' },
  },
});
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);
const log = (text: string) => process.stderr.write(`${text}\n`);

const cluster = await startCluster();
const work = await mkdtemp(join(tmpdir(), 'bench-postgres-'));
const servers: ServerUnderTest[] = [];
try {
  const rulesDir = join(work, 'rules');
  await writeRuleFiles(rulesDir, generateRuleFiles(Number(values.rules)));
  const requests = generateRequests(Number(values.rules));
  const admin = new pg.Client({ connectionString: cluster.url });
  await admin.connect();
  await admin.query('CREATE DATABASE bench');
  await admin.end();
  const databaseUrl = cluster.url.replace(/\/postgres$/, '/bench');

  const env = { LOG_LEVEL: 'warn', WATCH: '0' };
  const router = async (name: string, extra: NodeJS.ProcessEnv) => {
    const s = await startServer(name, (port) => ['dist/cli/main.js', 'serve', '--rules', rulesDir, '--port', String(port), '--host', '127.0.0.1'], 60_000, { env: { ...env, ...extra } });
    servers.push(s);
    return s;
  };
  const sqlite = await router('sqlite', { CALL_LOG: join(work, 'calls.sqlite') });
  const postgresA = await router('postgres-a', { DATABASE_URL: databaseUrl });
  const postgresB = await router('postgres-b', { DATABASE_URL: databaseUrl });

  const results: Record<string, LoadResult[]> = { sqlite: [], postgres: [], 'two routers on postgres': [] };
  for (const s of [sqlite, postgresA, postgresB]) await runLoad({ url: s.url, requests, seconds: 1 });
  for (let round = 0; round < ROUNDS; round++) {
    results.sqlite!.push(await runLoad({ url: sqlite.url, requests, seconds: SECONDS }));
    results.postgres!.push(await runLoad({ url: postgresA.url, requests, seconds: SECONDS }));
    const [a, b] = await Promise.all([postgresA, postgresB].map((s) => runLoad({ url: s.url, requests, seconds: SECONDS, connections: 5 })));
    results['two routers on postgres']!.push({ ...a!, rps: a!.rps + b!.rps, requests: a!.requests + b!.requests, p99: Math.max(a!.p99, b!.p99), errors: a!.errors + b!.errors, non2xx: a!.non2xx + b!.non2xx });
    log(`round ${round + 1}/${ROUNDS} done`);
  }

  // Duplicate detection on its own: the claim a router makes for every call action it decides.
  const pool = openPool({ url: databaseUrl, max: 4, log: () => {} });
  const connection = await connectPostgres(pool, { maxAgeMs: 1e12, maxRows: 1e12, maxBytes: 0 }, { log: () => {} });
  const shared = new PostgresSharedEvents(pool);
  const claims = Number(values.claims);
  const first: number[] = [];
  const repeat: number[] = [];
  for (let i = 0; i < claims; i++) {
    const event = `{"payload":{"eventId":"bench-${i}","source":"+6581234567"}}`;
    let t = performance.now();
    await shared.claimAnswer(`bench-${i}`, event, '{"callflow":[{"action":"hangup"}]}');
    first.push(performance.now() - t);
    t = performance.now();
    await shared.claimAnswer(`bench-${i}`, event, '{"callflow":[{"action":"hangup"}]}');
    repeat.push(performance.now() - t);
  }
  await connection.writer.close();
  await pool.end();

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
  const sqliteRps = median(results.sqlite!.map((r) => r.rps));
  const lines = [
    `Call actions per second, median of ${ROUNDS} rounds of ${SECONDS} s, ${values.rules} rules, autocannon with 10 connections (${new Date().toISOString().slice(0, 10)}):`,
    '',
    '| Decision log | calls/s | vs SQLite | p99 ms | errors + non-2xx |',
    '|---|---|---|---|---|',
    ...Object.entries(results).map(([name, rs]) => {
      const rps = median(rs.map((r) => r.rps));
      return `| ${name} | ${Math.round(rps)} | ${Math.round((rps / sqliteRps) * 100)}% | ${median(rs.map((r) => r.p99))} | ${rs.reduce((n, r) => n + r.errors + r.non2xx, 0)} |`;
    }),
    '',
    `Duplicate detection (shared-answer claim, one round trip to PostgreSQL on this machine), ${claims} events:`,
    '',
    '| Delivery | p50 ms | p99 ms |',
    '|---|---|---|',
    `| first (insert) | ${median(first).toFixed(3)} | ${pct(first, 0.99).toFixed(3)} |`,
    `| repeat (conflict, read back) | ${median(repeat).toFixed(3)} | ${pct(repeat, 0.99).toFixed(3)} |`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  for (const s of servers) await stopServer(s);
  cluster.stop();
  await rm(work, { recursive: true, force: true });
}

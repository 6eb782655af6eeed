/**
 * `npm run bench:reload`: reloads and memory with a big rules folder.
 *
 * 1. In this process: heap objects per compiled rule (heap-snapshot node counts before and
 *    after), for the rule set `loadRules` builds and for the packed one a reload adopts, and how
 *    long adopting a reload blocks the thread that answers calls.
 * 2. The real server (dist/, every feature on): spawn to first answer, RSS after load, then the
 *    folder rewritten `reloads` times under half the server's maximum rate: call p99, failed
 *    calls, time to serve each rewrite, RSS after the reloads.
 *
 * Usage: npm run bench:reload [-- rules=100000 reloads=10 objects=20000 rate=N server=dist/cli/main.js only=server]
 * (`server=` runs another build, e.g. main's, for a before/after; `only=server` skips part 1.)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { RulesLoaderWorker } from '../src/reload/load-rules-in-worker.js';
import type { RuleSet } from '../src/engine/rule-set.js';
import { loadRules } from '../src/rules/load-rules.js';
import { packRuleSet } from '../src/rules/packed-rule-set.js';
import { generateRequests, generateRuleFiles, writeRuleFiles } from './generate-rules.js';
import { liveHeapObjects } from './heap-objects.js';
import { runLoad } from './load.js';
import { reloadUnderLoad } from './reload-under-load.js';
import { HOST, rssMb, startServer, stopServer } from './server-process.js';

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.split('=') as [string, string]));
const count = Number(args.rules ?? 100_000);
const reloads = Number(args.reloads ?? 10);
const objectRules = Number(args.objects ?? Math.min(count, 20_000));
const serverMain = args.server ?? 'dist/cli/main.js';
const WEBHOOK_AUTH = 'Bearer bench-webhook-secret';
const row = (what: string, value: string) => console.log(`| ${what} | ${value} |`);
const tmp = await mkdtemp(join(tmpdir(), 'reload-bench-'));

try {
  console.log(`| ${count.toLocaleString('en')} generated rules (bench/generate-rules.ts) | |\n|---|---|`);

  const big = join(tmp, 'rules');
  await writeRuleFiles(big, generateRuleFiles(count));
  if (args.only !== 'server') await inProcess(big);

  // 2. The real server.
  const env = {
    CALL_LOG: join(tmp, 'calls.sqlite'),
    SESSIONS_DB: join(tmp, 'sessions.sqlite'),
    RULES_CACHE: join(tmp, 'rules-cache'),
    LOG_FORMAT: 'json',
    LOG_LEVEL: 'info',
    WEBHOOK_AUTH,
    ALLOW_IPS: '127.0.0.1',
    ADMIN_TOKEN: 'bench-admin',
  };
  const server = await startServer('router', (p) => [serverMain, 'serve', '--rules', big, '--port', String(p), '--host', HOST], 180_000, { env });
  try {
    row('server: spawn to first answer (GET /healthz 200)', `${(server.startupMs / 1000).toFixed(2)} s`);
    row('server: RSS after load', `${(await rssMb(server))?.toFixed(0)} MB`);
    const requests = generateRequests(count);
    const headers = { Authorization: WEBHOOK_AUTH };
    const max = await runLoad({ url: server.url, requests, seconds: 3, headers });
    const rate = Number(args.rate ?? Math.round(max.rps / 2));
    row('server: max rate (autocannon, 3 s, shares the cores)', `${Math.round(max.rps)} req/s`);
    const report = await reloadUnderLoad({ server, dir: big, totalRules: count, requests, rate, reloads, timeoutMs: 60_000, minSeconds: 5, headers });
    const { load } = report;
    row(`server: ${reloads} rewrites under ${rate} calls/s: call p50 / p99 / max`, `${load.p50.toFixed(2)} / ${load.p99.toFixed(2)} / ${load.max.toFixed(0)} ms`);
    row('server: calls failed during the reloads', `${load.errors + load.non2xx + load.timeouts} of ${load.requests}`);
    row('server: rewrite to new version served (each)', report.available ? `${report.reloadMs.map((ms) => (ms / 1000).toFixed(2)).join(', ')} s` : (report.note ?? 'not measured'));
    if (report.note && report.available) row('server: note', report.note);
    row(`server: RSS after ${report.reloadMs.length} reloads`, `${(await rssMb(server))?.toFixed(0)} MB`);
  } finally {
    await stopServer(server);
  }
} finally {
  await rm(tmp, { recursive: true, force: true });
}

/** Part 1, in this process: objects per rule, and what adopting a reload costs this thread. */
async function inProcess(big: string): Promise<void> {
  // A heap snapshot collects garbage first, so the deltas count live objects only.
  const small = join(tmp, 'objects');
  await writeRuleFiles(small, generateRuleFiles(objectRules));
  const loader = new RulesLoaderWorker({ timeoutMs: 3_600_000, memoryMb: 4096 }).warmUp();
  await loader.load(small); // boots the worker's modules and this side's
  {
    let before = await liveHeapObjects();
    let kept: RuleSet | undefined = (await loadRules(small)).ruleSet;
    const built = (await liveHeapObjects()) - before;
    const bytes = packRuleSet(kept!).bytes.length;
    kept = undefined;
    before = await liveHeapObjects();
    kept = (await loader.load(small)).ruleSet;
    const packed = (await liveHeapObjects()) - before;
    for (const rule of kept!.rules) void rule.id; // every rule asked for once: the cache is full
    const touched = (await liveHeapObjects()) - before;
    const per = (n: number) => (n / objectRules).toFixed(2);
    row(`heap objects per rule, as loadRules builds it (${objectRules.toLocaleString('en')} rules)`, per(built));
    row('heap objects per rule, packed as a reload adopts it', per(packed));
    row('heap objects per rule, packed, after every rule was asked for once (cache full)', per(touched));
    row('packed rule bytes per rule (off the JS heap)', `${Math.round(bytes / objectRules)} B`);
  }

  // Adopting a reload on this thread, and the longest event-loop stall while the worker loads.
  for (let run = 1; run <= 2; run++) {
    const delay = monitorEventLoopDelay({ resolution: 5 });
    delay.enable();
    const t = performance.now();
    const result = await loader.load(big);
    delay.disable();
    if (result.ruleSet?.rules.length !== count) throw new Error(`the worker load lost rules: ${JSON.stringify(result.diagnostics.slice(0, 2))}`);
    row(
      `in-process reload ${run}: total / reading the hand-over file (libuv's threads) / adopting on the main thread / longest event-loop delay`,
      `${Math.round(performance.now() - t)} ms / ${loader.lastLoad?.readMs.toFixed(0)} ms / ${loader.lastLoad?.adoptMs.toFixed(1)} ms / ${Math.round(delay.max / 1e6)} ms`,
    );
  }
  await loader.close();
}

/**
 * `npx tsx bench/hot-path.ts [--rounds N] [--seconds S] [--variants served,no-call-log,...] [--baseline DIST]`: the router as served
 * (1k rules, every feature on) against bare Hono, under wrk on its own core, in interleaved rounds;
 * CPU µs per request split by thread (the JS main thread, the decision log's writer, the rest).
 * With --baseline DIR (a checkout of another commit, built, with this bench/router-variants.mjs
 * copied in), each variant of that build runs side by side as "baseline ...".
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { generateRequests, generateRuleFiles, writeRuleFiles } from './generate-rules.js';
import { startServer, stopServer, type ServerUnderTest } from './server-process.js';
import { cpuByThread, cpuDelta } from './thread-cpu.js';
import { choosePinning, runWrk, writeWrkScript } from './wrk-load.js';

const { values } = parseArgs({
  options: { rounds: { type: 'string', default: '5' }, seconds: { type: 'string', default: '3' }, baseline: { type: 'string' }, 'cpu-prof': { type: 'string' }, variants: { type: 'string', default: 'served' } },
});
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const AUTH = { Authorization: 'Bearer bench-webhook-secret' };

const tmp = await mkdtemp(join(tmpdir(), 'router-hot-'));
const servers: ServerUnderTest[] = [];
const pin = choosePinning(cpus().length);
try {
  const dir = join(tmp, 'rules');
  await writeRuleFiles(dir, generateRuleFiles(1000));
  const script = join(tmp, 'mix.lua');
  await writeWrkScript(script, generateRequests(1000), AUTH);
  const prof = values['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${resolve(values['cpu-prof'])}`] : [];
  const entries: Array<{ name: string; args: (p: number) => string[] }> = [
    { name: 'bare Hono', args: (p) => ['bench/baselines/bare.mjs', String(p)] },
    // "VARIANT~--node-flag": the variant with that flag given to node (e.g. served~--max-semi-space-size=64).
    ...values.variants.split(',').map((spec, i) => {
      const [v, ...flags] = spec.split('~') as [string, ...string[]];
      return { name: v === 'served' && flags.length === 0 ? 'router' : `router ${spec}`, args: (p: number) => [...prof, ...flags, 'bench/router-variants.mjs', v, dir, String(p), join(tmp, `calls-${i}.sqlite`)] };
    }),
  ];
  if (values.baseline) {
    // Another build: a checkout of the other commit with its dist/ built and this bench/router-variants.mjs copied in.
    const base = resolve(values.baseline, 'bench/router-variants.mjs');
    for (const v of values.variants.split(',')) entries.push({ name: `baseline ${v}`, args: (p) => [base, v, dir, String(p), join(tmp, `calls-base-${v}.sqlite`)] });
  }
  for (const e of entries) servers.push(await startServer(e.name, e.args, 60_000, pin.server ? { core: pin.server } : {}));
  const once = async (s: ServerUnderTest, secs: number) => {
    const before = await cpuByThread(s.process.pid!);
    const load = await runWrk({ url: s.url, script, seconds: secs, ...(pin.load ? { core: pin.load } : {}) });
    const d = cpuDelta(before, await cpuByThread(s.process.pid!));
    const per = (ns: number) => ns / 1000 / Math.max(1, load.requests);
    let total = 0;
    const threads: Record<string, number> = {};
    for (const [k, v] of d) {
      total += v;
      threads[k] = per(v);
    }
    return { rps: load.rps, p99: load.p99, cpu: per(total), threads, failed: load.errors + load.non2xx };
  };
  for (const s of servers) await once(s, 1);
  const results = servers.map((): Array<Awaited<ReturnType<typeof once>>> => []);
  for (let r = 0; r < rounds; r++) {
    for (const [i, s] of servers.entries()) results[i]!.push(await once(s, seconds));
    process.stderr.write(`round ${r + 1}/${rounds}\n`);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  const bareRps = median(results[0]!.map((x) => x.rps));
  const bareCpu = median(results[0]!.map((x) => x.cpu));
  console.log(
    `${new Date().toISOString()} load ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' / ')}; ${rounds} rounds of ${seconds} s`,
  );
  console.log('| server | req/s | vs bare | CPU µs/req | vs bare | main thread µs | other threads (µs/req) | p99 ms | failed |');
  console.log('|---|---:|---:|---:|---:|---:|---|---:|---:|');
  for (const [i, s] of servers.entries()) {
    const rs = results[i]!;
    const names = [...new Set(rs.flatMap((x) => Object.keys(x.threads)))].filter((n) => n !== 'main');
    const other = names
      .map((n) => [n, median(rs.map((x) => x.threads[n] ?? 0))] as const)
      .filter(([, v]) => v >= 0.5)
      .sort((a, b) => b[1] - a[1])
      .map(([n, v]) => `${n} ${v.toFixed(1)}`)
      .join(', ');
    const rps = median(rs.map((x) => x.rps));
    const cpu = median(rs.map((x) => x.cpu));
    console.log(
      `| ${s.name} | ${Math.round(rps)} | ${Math.round((rps / bareRps) * 100)}% | ${cpu.toFixed(1)} | ${(cpu / bareCpu).toFixed(2)}× | ${median(rs.map((x) => x.threads.main ?? 0)).toFixed(1)} | ${other} | ${median(rs.map((x) => x.p99)).toFixed(2)} | ${rs.reduce((a, x) => a + x.failed, 0)} |`,
    );
  }
} finally {
  for (const s of servers) await stopServer(s);
  await rm(tmp, { recursive: true, force: true });
}

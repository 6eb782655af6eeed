/**
 * `npm run bench -- --http-breakdown`: the router with 1k rules as served, and with one piece
 * switched off at a time, against plain node:http and bare Hono: req/s and server CPU µs per
 * request at full speed (wrk pinned to its own core when present, rounds taking turns, medians).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuNs } from './cpu.js';
import { generateRequests, generateRuleFiles, writeRuleFiles } from './generate-rules.js';
import { runLoad } from './load.js';
import { startServer, stopServer, type ServerUnderTest } from './server-process.js';
import { choosePinning, hasCommand, runWrk, writeWrkScript } from './wrk-load.js';

const VARIANTS = [
  { name: 'plain node:http (floor)', args: (p: number) => ['bench/baselines/plain-node.mjs', String(p)] },
  { name: 'bare Hono (ceiling)', args: (p: number) => ['bench/baselines/bare.mjs', String(p)] },
  { name: 'router as served (every feature on)', variant: 'served' },
  { name: 'without the decision log', variant: 'no-call-log' },
  { name: 'without the per-call log line', variant: 'no-log-line' },
  { name: 'call actions through Hono (no node:http fast path)', variant: 'hono-only' },
] as const;
const AUTH = { Authorization: 'Bearer bench-webhook-secret' };

export async function httpBreakdown(rounds: number): Promise<string> {
  const tmp = await mkdtemp(join(tmpdir(), 'router-breakdown-'));
  const servers: ServerUnderTest[] = [];
  const useWrk = hasCommand('wrk');
  const pin = useWrk ? choosePinning(cpus().length) : {};
  try {
    const dir = join(tmp, 'rules');
    await writeRuleFiles(dir, generateRuleFiles(1000));
    const requests = generateRequests(1000);
    const script = join(tmp, 'mix.lua');
    if (useWrk) await writeWrkScript(script, requests, AUTH);
    for (const [i, v] of VARIANTS.entries()) {
      const args = 'variant' in v ? (p: number) => ['bench/router-variants.mjs', v.variant, dir, String(p), join(tmp, `calls-${i}.sqlite`)] : v.args;
      servers.push(await startServer(v.name, args, 60_000, pin.server ? { core: pin.server } : {}));
    }
    const once = async (s: ServerUnderTest, seconds: number) => {
      const before = await cpuNs(s.process.pid);
      const load = useWrk ? await runWrk({ url: s.url, script, seconds, ...(pin.load ? { core: pin.load } : {}) }) : await runLoad({ url: s.url, requests, seconds, headers: AUTH });
      const after = await cpuNs(s.process.pid);
      return { rps: load.rps, p99: load.p99, cpu: before !== undefined && after !== undefined ? (after - before) / 1000 / Math.max(1, load.requests) : NaN, failed: load.errors + load.non2xx };
    };
    for (const s of servers) await once(s, 1);
    const results = servers.map((): Array<Awaited<ReturnType<typeof once>>> => []);
    for (let round = 0; round < rounds; round++) {
      process.stderr.write(`▸ round ${round + 1} of ${rounds}\n`);
      for (const [i, s] of servers.entries()) results[i]!.push(await once(s, 2));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
    const rps = results.map((r) => median(r.map((x) => x.rps)));
    const cpu = results.map((r) => median(r.map((x) => x.cpu)));
    const p99 = results.map((r) => median(r.map((x) => x.p99)));
    const failed = results.map((r) => r.reduce((a, x) => a + x.failed, 0));
    const bare = 1;
    return [
      `\`npm run bench -- --http-breakdown\`, ${new Date().toISOString()}: 1,000 rules; ${useWrk ? `wrk, 10 connections${pin.load ? `, load on core ${pin.load}, servers on core ${pin.server}` : ''}` : 'autocannon (wrk not installed)'}; ${rounds} rounds of 2 s per server taking turns, medians. The router variants send the webhook secret from an allowed address.`,
      '',
      '| server | req/s | vs bare Hono | CPU µs/req | vs bare Hono | p99 ms | failed |',
      '|---|---:|---:|---:|---:|---:|---:|',
      ...VARIANTS.map(
        (v, i) =>
          `| ${v.name} | ${Math.round(rps[i]!).toLocaleString('en-US')} | ${Math.round((rps[i]! / rps[bare]!) * 100)}% | ${cpu[i]!.toFixed(1)} | ${(cpu[i]! / cpu[bare]!).toFixed(2)}× | ${p99[i]!.toFixed(2)} | ${failed[i]} |`,
      ),
    ].join('\n');
  } finally {
    for (const s of servers) await stopServer(s);
    await rm(tmp, { recursive: true, force: true });
  }
}

/**
 * `npm run bench -- --http-breakdown`: the router with 1k rules as served, without its per-call
 * log line, and its call-action route alone, against the bare Hono app: req/s at full speed
 * (taking turns in 1 s rounds) and latency at one fixed rate.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateRequests, generateRuleFiles, writeRuleFiles } from './generate-rules.js';
import { runLoad, type LoadResult } from './load.js';
import { runPacedLoad } from './paced-load.js';
import { startServer, stopServer, type ServerUnderTest } from './server-process.js';

const VARIANTS = [
  { name: 'bare Hono (ceiling)', args: (p: number) => ['bench/baselines/bare.mjs', String(p)] },
  { name: 'router as served (log line, metrics, guards, deadline)', variant: 'full' },
  { name: 'without the log line', variant: 'no-log' },
  { name: 'the call-action route alone (parse, ajv, replay cache, decide, reply)', variant: 'route-only' },
] as const;

export async function httpBreakdown(rounds: number): Promise<string> {
  const tmp = await mkdtemp(join(tmpdir(), 'router-breakdown-'));
  const servers: ServerUnderTest[] = [];
  try {
    const dir = join(tmp, 'rules');
    await writeRuleFiles(dir, generateRuleFiles(1000));
    const requests = generateRequests(1000);
    for (const v of VARIANTS) {
      const args = 'variant' in v ? (p: number) => ['bench/router-variants.mjs', v.variant, dir, String(p)] : v.args;
      servers.push(await startServer(v.name, args, 60_000));
    }
    for (const s of servers) await runLoad({ url: s.url, requests, seconds: 1 });
    const rps = servers.map((): number[] => []);
    for (let round = 0; round < rounds; round++) {
      process.stderr.write(`▸ round ${round + 1} of ${rounds}\n`);
      for (const [i, s] of servers.entries()) rps[i]!.push((await runLoad({ url: s.url, requests, seconds: 1 })).rps);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
    const bare = median(rps[0]!);
    // Tail latency at one rate for all: half of what the router as served manages.
    const rate = median(rps[1]!) / 2;
    const paced: LoadResult[] = [];
    for (const s of servers) {
      process.stderr.write(`▸ ${s.name}: ${Math.round(rate)} req/s for 10 s\n`);
      paced.push(await runPacedLoad({ url: s.url, requests, seconds: 10, rate }));
    }
    const ms = (n: number) => (n < 10 ? n.toFixed(2) : n.toFixed(0));
    return [
      `\`npm run bench -- --http-breakdown\`, ${new Date().toISOString()}: 1,000 rules; req/s is autocannon at full speed, ${rounds} rounds of 1 s per server taking turns, median; latency is the paced client at ${Math.round(rate).toLocaleString('en-US')} req/s (half the router's max) for 10 s per server.`,
      '',
      `| server | req/s | vs bare | p50 ms at ${Math.round(rate).toLocaleString('en-US')} req/s | p99 ms | max ms |`,
      '|---|---:|---:|---:|---:|---:|',
      ...VARIANTS.map((v, i) => `| ${v.name} | ${Math.round(median(rps[i]!)).toLocaleString('en-US')} | ${Math.round((median(rps[i]!) / bare) * 100)}% | ${ms(paced[i]!.p50)} | ${ms(paced[i]!.p99)} | ${ms(paced[i]!.max)} |`),
    ].join('\n');
  } finally {
    for (const s of servers) await stopServer(s);
    await rm(tmp, { recursive: true, force: true });
  }
}

/**
 * `npm run bench -- --http-breakdown`: the router with 1k rules, with and without its body-limit
 * middleware and its per-call log line, against the bare Hono app, taking turns in 1 s rounds.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateRequests, generateRuleFiles, writeRuleFiles } from './generate-rules.js';
import { runLoad } from './load.js';
import { startServer, stopServer, type ServerUnderTest } from './server-process.js';

const VARIANTS = [
  { name: 'bare Hono (ceiling)', args: (p: number) => ['bench/baselines/bare.mjs', String(p)] },
  { name: 'router as served (body limit + log line)', variant: 'full' },
  { name: 'without the log line', variant: 'no-log' },
  { name: 'without the bodyLimit middleware', variant: 'no-limit' },
  { name: 'without both (parse, ajv, replay cache, decide, reply)', variant: 'no-limit-log' },
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
    return [
      `\`npm run bench -- --http-breakdown\`, ${new Date().toISOString()}: 1,000 rules, autocannon at full speed, ${rounds} rounds of 1 s per server taking turns, median req/s.`,
      '',
      '| server | req/s | vs bare |',
      '|---|---:|---:|',
      ...VARIANTS.map((v, i) => `| ${v.name} | ${Math.round(median(rps[i]!)).toLocaleString('en-US')} | ${Math.round((median(rps[i]!) / bare) * 100)}% |`),
    ].join('\n');
  } finally {
    for (const s of servers) await stopServer(s);
    await rm(tmp, { recursive: true, force: true });
  }
}

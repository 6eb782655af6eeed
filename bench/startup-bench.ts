/**
 * Start to first answer with a big rule set, cold (empty compiled-rules cache) and warm (the
 * cache the cold start wrote), in interleaved rounds.
 * Usage: npm run bench:startup [-- RULES [ROUNDS] [server=dist/cli/main.js,OTHER/dist/cli/main.js]]
 * (several builds, comma-separated: each round runs each of them in turn, for a before/after under the same load.)
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { childPids, cpuNs } from './cpu.js';
import { generateRuleFiles, writeRuleFiles } from './generate-rules.js';
import { HOST, rssMb, startServer, stopServer } from './server-process.js';

const positional = process.argv.slice(2).filter((a) => !a.startsWith('server='));
const servers = (process.argv.find((a) => a.startsWith('server='))?.slice('server='.length) ?? 'dist/cli/main.js').split(',');
const rules = Number(positional[0] ?? 100_000);
const rounds = Number(positional[1] ?? 3);
const tmp = await mkdtemp(join(tmpdir(), 'router-startup-'));
const dir = join(tmp, 'rules');
await writeRuleFiles(dir, generateRuleFiles(rules));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
type Kind = 'cold' | 'warm';
type Figures = Record<Kind, { ms: number[]; cpuMs: number[]; loaderMs: number[]; rss: number[] }>;
const results = new Map<string, Figures>(
  servers.map((s) => [
    s,
    {
      cold: { ms: [], cpuMs: [], loaderMs: [], rss: [] },
      warm: { ms: [], cpuMs: [], loaderMs: [], rss: [] },
    },
  ]),
);

async function start(main: string, kind: Kind, cache: string): Promise<void> {
  const figures = results.get(main)![kind];
  const env = { CALL_LOG: 'off', SESSIONS_DB: 'off', WATCH: 'false', LOG_LEVEL: 'warn', RULES_CACHE: cache };
  const server = await startServer(`router ${kind}`, (p) => [main, 'serve', '--rules', dir, '--port', String(p), '--host', HOST], 120_000, { env });
  try {
    figures.ms.push(server.startupMs);
    // The rules loader (a child process) does a cold start's compile and pack: read first, while it
    // has only begun writing the cache. Noisy machines make wall times vary; CPU compares better.
    let loaderNs = 0;
    for (const child of await childPids(server.process.pid)) loaderNs += (await cpuNs(child)) ?? 0;
    figures.loaderMs.push(loaderNs / 1e6);
    figures.cpuMs.push(((await cpuNs(server.process.pid)) ?? 0) / 1e6);
    figures.rss.push((await rssMb(server)) ?? 0);
    process.stderr.write(`  ${main} ${kind}: first answer after ${(server.startupMs / 1000).toFixed(2)} s\n`);
    if (kind === 'cold') {
      // The loader writes the cache after the first answer.
      for (let i = 0; i < 1200 && !(existsSync(cache) && (await readdir(cache)).some((f) => f.endsWith('.bin'))); i++) await sleep(50);
    }
  } finally {
    await stopServer(server);
  }
}

try {
  for (let r = 0; r < rounds; r++) {
    for (const [i, main] of servers.entries()) {
      const cache = join(tmp, `cache-${r}-${i}`);
      await start(main, 'cold', cache);
      await start(main, 'warm', cache);
    }
  }
  const load = loadavg()
    .map((l) => l.toFixed(1))
    .join(', ');
  const row = (main: string, k: Kind) => {
    const f = results.get(main)![k];
    const build = servers.length > 1 ? `${main} ` : '';
    return `| ${build}${k} | ${(median(f.ms) / 1000).toFixed(2)} s (${f.ms.map((m) => (m / 1000).toFixed(2)).join(', ')}) | ${Math.round(median(f.cpuMs))} ms | ${Math.round(median(f.loaderMs))} ms | ${Math.round(median(f.rss))} MB |`;
  };
  console.log(
    [
      `\`npm run bench:startup -- ${process.argv.slice(2).join(' ')}\`, ${new Date().toISOString()}, load average ${load}: ${rules.toLocaleString('en-US')} generated rules, spawn to the first 200 from /healthz, median (each round).`,
      '',
      '| start | first answer | server CPU (its own threads) | rules loader CPU (child process) | RSS |',
      '|---|---:|---:|---:|---:|',
      ...servers.flatMap((main) => [row(main, 'cold'), row(main, 'warm')]),
    ].join('\n'),
  );
} finally {
  await rm(tmp, { recursive: true, force: true });
}

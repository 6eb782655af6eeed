/**
 * Start to first answer with a big rule set, cold (empty compiled-rules cache) and warm (the
 * cache the cold start wrote), in interleaved rounds. Usage: npm run bench:startup [-- RULES [ROUNDS]]
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuNs } from './cpu.js';
import { generateRuleFiles, writeRuleFiles } from './generate-rules.js';
import { HOST, rssMb, startServer, stopServer } from './server-process.js';

const rules = Number(process.argv[2] ?? 100_000);
const rounds = Number(process.argv[3] ?? 3);
const tmp = await mkdtemp(join(tmpdir(), 'router-startup-'));
const dir = join(tmp, 'rules');
await writeRuleFiles(dir, generateRuleFiles(rules));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const results: Record<'cold' | 'warm', { ms: number[]; cpuMs: number[]; rss: number[] }> = { cold: { ms: [], cpuMs: [], rss: [] }, warm: { ms: [], cpuMs: [], rss: [] } };

async function start(kind: 'cold' | 'warm', cache: string): Promise<void> {
  const env = { CALL_LOG: 'off', SESSIONS_DB: 'off', WATCH: 'false', LOG_LEVEL: 'warn', RULES_CACHE: cache };
  const server = await startServer(`router ${kind}`, (p) => ['dist/cli/main.js', 'serve', '--rules', dir, '--port', String(p), '--host', HOST], 120_000, { env });
  try {
    results[kind].ms.push(server.startupMs);
    results[kind].cpuMs.push(((await cpuNs(server.process.pid)) ?? 0) / 1e6);
    results[kind].rss.push((await rssMb(server)) ?? 0);
    process.stderr.write(`  ${kind}: first answer after ${(server.startupMs / 1000).toFixed(2)} s\n`);
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
    const cache = join(tmp, `cache-${r}`);
    await start('cold', cache);
    await start('warm', cache);
  }
  const load = loadavg()
    .map((l) => l.toFixed(1))
    .join(', ');
  const row = (k: 'cold' | 'warm') =>
    `| ${k} | ${(median(results[k].ms) / 1000).toFixed(2)} s (${results[k].ms.map((m) => (m / 1000).toFixed(2)).join(', ')}) | ${Math.round(median(results[k].cpuMs))} ms | ${Math.round(median(results[k].rss))} MB |`;
  console.log(
    [
      `\`npm run bench:startup -- ${rules} ${rounds}\`, ${new Date().toISOString()}, load average ${load}: ${rules.toLocaleString('en-US')} generated rules, spawn to the first 200 from /healthz, median (each round).`,
      '',
      '| start | first answer | server CPU (its own threads) | RSS |',
      '|---|---:|---:|---:|',
      row('cold'),
      row('warm'),
    ].join('\n'),
  );
} finally {
  await rm(tmp, { recursive: true, force: true });
}

/**
 * `npx tsx bench/tail-latency.ts [--rate R] [--seconds S] [--rounds N] [--variants served,no-call-log]`:
 * what makes the router's p99 at a steady rate. Each variant serves 1k rules on core 0 (the
 * paced client on core 1) and reports, for the same window, the client's p50/p99/max, the server's
 * event-loop delay (monitorEventLoopDelay) and its GC pauses by kind, in interleaved rounds.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { generateRequests, generateRuleFiles, writeRuleFiles } from './generate-rules.js';
import { runPacedLoad } from './paced-load.js';
import { startServer, stopServer, type ServerUnderTest } from './server-process.js';
import { choosePinning } from './wrk-load.js';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    variants: { type: 'string', default: 'served,no-call-log' },
    baseline: { type: 'string' },
  },
});
const AUTH = { Authorization: 'Bearer bench-webhook-secret' };
const tmp = await mkdtemp(join(tmpdir(), 'router-tail-'));
const pin = choosePinning(cpus().length);
// The paced client runs in this process: keep it off the server's core.
if (pin.load) {
  const { execFileSync } = await import('node:child_process');
  execFileSync('taskset', ['-p', '-c', pin.load, String(process.pid)], { stdio: 'ignore' });
}
// "base:VARIANT" runs VARIANT from the --baseline checkout (built, with this bench/router-variants.mjs copied in).
const variants = values.variants.split(',');
const script = (v: string) => (v.startsWith('base:') ? [join(values.baseline ?? '.', 'bench/router-variants.mjs'), v.slice(5)] : ['bench/router-variants.mjs', v]);
const rows: Array<Array<Record<string, unknown>>> = variants.map(() => []);
try {
  const dir = join(tmp, 'rules');
  await writeRuleFiles(dir, generateRuleFiles(1000));
  const requests = generateRequests(1000);
  for (let r = 0; r < Number(values.rounds); r++) {
    for (const [i, v] of variants.entries()) {
      const eldFile = join(tmp, `eld-${i}-${r}.json`);
      const s: ServerUnderTest = await startServer(v, (p) => [...script(v), dir, String(p), join(tmp, `calls-${i}-${r}.sqlite`)], 60_000, { ...(pin.server ? { core: pin.server } : {}), env: { ELD_FILE: eldFile } });
      try {
        // Warm up, then measure one window.
        await runPacedLoad({ url: s.url, requests, rate: Number(values.rate), seconds: 2, headers: AUTH });
        await sleep(300);
        s.process.kill('SIGUSR2');
        const load = await runPacedLoad({ url: s.url, requests, rate: Number(values.rate), seconds: Number(values.seconds), headers: AUTH });
        await stopServer(s);
        const server = JSON.parse(await readFile(eldFile, 'utf8')) as { eld: Record<string, number>; gc: Record<string, { count: number; totalMs: number; maxMs: number; over5ms: number }> };
        rows[i]!.push({ p50: load.p50, p99: load.p99, max: load.max, failed: load.errors + load.non2xx + load.timeouts, ...server });
      } finally {
        await stopServer(s);
      }
      process.stderr.write(`round ${r + 1} ${v} done\n`);
    }
  }
  console.log(
    `${new Date().toISOString()} load ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' / ')}; ${values.rate} req/s for ${values.seconds} s, ${values.rounds} rounds`,
  );
  for (const [i, v] of variants.entries()) for (const row of rows[i]!) console.log(v, JSON.stringify(row));
} finally {
  await rm(tmp, { recursive: true, force: true });
}

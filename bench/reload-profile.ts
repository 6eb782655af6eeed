/**
 * Profiles the server's main thread while a big rules folder is rewritten under a steady load:
 * runs dist/ with --cpu-prof (and --trace-gc into a log), then prints every stretch in which the
 * main thread was busy without a break (the stalls a call waits behind) with what ran in it.
 *
 * Usage: npm run build && tsx bench/reload-profile.ts [rules=100000 reloads=3 rate=800 out=/tmp/reload-prof server=dist/cli/main.js prof=off stall=100 seconds=5 (least load time: with reloads=0, the memory of serving alone)]
 */
import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, open, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { generateRequests, generateRuleFiles, writeRuleFiles } from './generate-rules.js';
import { printStalls } from './cpu-profile-stalls.js';
import { reloadUnderLoad } from './reload-under-load.js';
import { freePort, HOST, rssMb, type ServerUnderTest } from './server-process.js';

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.split('=') as [string, string]));
const count = Number(args.rules ?? 100_000);
const reloads = Number(args.reloads ?? 3);
const rate = Number(args.rate ?? 800);
const out = args.out ?? '/tmp/reload-prof';
const serverMain = args.server ?? 'dist/cli/main.js';
const WEBHOOK_AUTH = 'Bearer bench-webhook-secret';
const tmp = await mkdtemp(join(tmpdir(), 'reload-prof-'));
await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });

try {
  const dir = join(tmp, 'rules');
  await writeRuleFiles(dir, generateRuleFiles(count));
  const port = await freePort();
  const log = await open(join(out, 'server.log'), 'w');
  const env = { ...process.env, CALL_LOG: join(tmp, 'calls.sqlite'), RULES_CACHE: join(tmp, 'rules-cache'), LOG_FORMAT: 'json', LOG_LEVEL: 'info', WEBHOOK_AUTH, ALLOW_IPS: '127.0.0.1' };
  const nodeArgs = [...(args.prof === 'off' ? [] : ['--cpu-prof', `--cpu-prof-dir=${out}`, '--trace-gc']), ...(args.node ? args.node.split(',') : [])];
  const started = performance.now();
  const child = spawn(process.execPath, [...nodeArgs, serverMain, 'serve', '--rules', dir, '--port', String(port), '--host', HOST], { stdio: ['ignore', log.fd, log.fd], env });
  const url = `http://${HOST}:${port}`;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}); see ${out}/server.log`);
    const ok = await fetch(`${url}/healthz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) break;
    await sleep(20);
  }
  const server: ServerUnderTest = { name: 'router', port, url, process: child, startupMs: performance.now() - started, stderr: () => '' };
  console.log(`start ${(server.startupMs / 1000).toFixed(2)} s, RSS ${(await rssMb(server))?.toFixed(0)} MB`);
  const report = await reloadUnderLoad({
    server,
    dir,
    totalRules: count,
    requests: generateRequests(count),
    rate,
    reloads,
    timeoutMs: 60_000,
    minSeconds: Number(args.seconds ?? 5),
    headers: { Authorization: WEBHOOK_AUTH },
  });
  const { load } = report;
  console.log(`${rate} calls/s: p50 ${load.p50.toFixed(2)} p99 ${load.p99.toFixed(2)} max ${load.max.toFixed(0)} ms; failed ${load.errors + load.non2xx + load.timeouts} of ${load.requests}`);
  console.log(`reloads: ${report.reloadMs.map((ms) => (ms / 1000).toFixed(2)).join(', ')} s ${report.note ?? ''}`);
  console.log(`RSS after: ${(await rssMb(server))?.toFixed(0)} MB`);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
  await log.close();
  // The server's own profile is the one written first (the loader's children write theirs too).
  // Thread 0 is the main thread (the call-log and session writers write theirs too).
  const profiles = (await readdir(out)).filter((f) => /\.0\.\d+\.cpuprofile$/.test(f));
  for (const p of profiles) {
    console.log(`\n## ${p}`);
    await printStalls(join(out, p), Number(args.stall ?? 100));
  }
} finally {
  await rm(tmp, { recursive: true, force: true });
}

// The router with one piece switched off at a time, to see what each costs per request. Same
// rules, engine, guards and answerer as `serve`; only the piece named by VARIANT differs.
// Usage: node bench/router-variants.mjs VARIANT RULES_DIR PORT CALL_LOG_FILE
//   served        startServer exactly as `serve` wires it (every feature on)
//   no-call-log   the same without the decision log
//   no-log-line   the same with LOG_LEVEL=warn (no per-call line)
//   hono-only     every feature on, but call actions through Hono instead of the node:http fast path
//   no-guard      no webhook secret and no IP allowlist
//   no-sessions   without live masking sessions (SESSIONS_DB=off)
//   minimal       none of the above: no decision log, no log line, no guard, no sessions
import { serve } from '@hono/node-server';
import { DEFAULTS } from '../dist/config/server-config.js';
import { createApp } from '../dist/http/app.js';
import { createLogger } from '../dist/log/create-logger.js';
import { Metrics } from '../dist/metrics/metrics.js';
import { LiveRules } from '../dist/reload/live-rules.js';
import { loadRules } from '../dist/rules/load-rules.js';
import { startServer } from '../dist/server/start-server.js';
import { openCallLog } from '../dist/store/open-call-log.js';

const [variant, dir, port, callLog] = process.argv.slice(2);
const loaded = await loadRules(dir);
if (!loaded.ruleSet) throw new Error(`rules in ${dir} do not build`);
const access = { webhookAuth: 'Bearer bench-webhook-secret', allowIps: ['127.0.0.1'], trustProxy: 0 };
const config = {
  ...DEFAULTS,
  rulesDir: dir,
  port: Number(port),
  host: '127.0.0.1',
  callLog,
  watch: false,
  logFormat: 'json',
  sessionsDb: `${callLog}.sessions`,
  webhookAuth: access.webhookAuth,
  allowIps: access.allowIps,
  adminToken: 'bench-admin',
};
let close;
const OFF = {
  'no-call-log': { callLog: 'off' },
  'no-log-line': { logLevel: 'warn' },
  'no-guard': { webhookAuth: undefined, allowIps: [] },
  'no-sessions': { sessionsDb: 'off' },
};
OFF.minimal = Object.assign({}, ...Object.values(OFF));
if (variant === 'served' || variant in OFF) {
  const running = await startServer({ config: { ...config, ...OFF[variant] }, ruleSet: loaded.ruleSet });
  close = () => running.close();
} else if (variant === 'hono-only') {
  const rules = new LiveRules(loaded.ruleSet);
  const logger = createLogger({ format: 'json' });
  const metrics = new Metrics(rules);
  const calls = openCallLog(config, metrics, logger.log);
  const app = createApp({ rules, log: logger.log, metrics, calls, access, adminToken: 'bench-admin', deadlineMs: config.deadlineMs });
  const server = serve({ fetch: app.fetch, port: Number(port), hostname: '127.0.0.1' });
  close = () => new Promise((resolve) => server.close(resolve));
} else {
  throw new Error(`unknown variant ${variant}`);
}
// ELD_FILE=path: on exit, write the event loop's delay histogram and the GC pauses there (what makes the tail).
if (process.env.ELD_FILE) {
  const { monitorEventLoopDelay, PerformanceObserver } = await import('node:perf_hooks');
  const { writeFileSync } = await import('node:fs');
  const eld = monitorEventLoopDelay({ resolution: 1 });
  const gc = [];
  new PerformanceObserver((list) => gc.push(...list.getEntries().map((e) => ({ kind: e.detail?.kind, ms: e.duration })))).observe({ entryTypes: ['gc'] });
  // Started and reset by SIGUSR2, so the histogram covers only the run being measured.
  process.on('SIGUSR2', () => {
    eld.enable();
    eld.reset();
    gc.length = 0;
  });
  process.once('exit', () => {
    const ms = (ns) => Math.round(ns / 1e4) / 100;
    const kinds = {};
    for (const g of gc) {
      const k = (kinds[g.kind] ??= { count: 0, totalMs: 0, maxMs: 0, over5ms: 0 });
      k.count++;
      k.totalMs += g.ms;
      k.maxMs = Math.max(k.maxMs, g.ms);
      if (g.ms > 5) k.over5ms++;
    }
    writeFileSync(process.env.ELD_FILE, JSON.stringify({ eld: { p50: ms(eld.percentile(50)), p99: ms(eld.percentile(99)), p999: ms(eld.percentile(99.9)), max: ms(eld.max), count: eld.count }, gc: kinds }));
  });
}
for (const signal of ['SIGTERM', 'SIGINT']) process.once(signal, () => void Promise.resolve(close()).finally(() => process.exit(0)));

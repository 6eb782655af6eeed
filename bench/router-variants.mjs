// The router with one piece switched off at a time, to see what each costs per request. Same
// rules, engine, guards and answerer as `serve`; only the piece named by VARIANT differs.
// Usage: node bench/router-variants.mjs VARIANT RULES_DIR PORT CALL_LOG_FILE
//   served        startServer exactly as `serve` wires it (every feature on)
//   no-call-log   the same without the decision log
//   no-log-line   the same with LOG_LEVEL=warn (no per-call line)
//   hono-only     every feature on, but call actions through Hono instead of the node:http fast path
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
const config = { ...DEFAULTS, rulesDir: dir, port: Number(port), host: '127.0.0.1', callLog, watch: false, logFormat: 'json', webhookAuth: access.webhookAuth, allowIps: access.allowIps, adminToken: 'bench-admin' };
let close;
if (variant === 'served' || variant === 'no-call-log' || variant === 'no-log-line') {
  const running = await startServer({
    config: { ...config, ...(variant === 'no-call-log' ? { callLog: 'off' } : {}), ...(variant === 'no-log-line' ? { logLevel: 'warn' } : {}) },
    ruleSet: loaded.ruleSet,
  });
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
for (const signal of ['SIGTERM', 'SIGINT']) process.once(signal, () => void Promise.resolve(close()).finally(() => process.exit(0)));

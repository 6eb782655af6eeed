// The router's HTTP layer taken apart, to see what each piece costs per request. Same rules,
// engine and route handler as `serve`; only the pieces named by VARIANT are left out.
// Usage: node bench/router-variants.mjs VARIANT RULES_DIR PORT
//   full          createApp as `serve` builds it (request log line as JSON, metrics), no decision log
//   no-log        the same with a silent logger
//   route-only    the call-action route alone: read and parse the body, ajv, replay cache, decide, reply
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createApp } from '../dist/http/app.js';
import { callActionRoute } from '../dist/http/call-action-route.js';
import { createLogger } from '../dist/log/create-logger.js';
import { silentLogger } from '../dist/log/logger.js';
import { LiveRules } from '../dist/rules/live-rules.js';
import { loadRules } from '../dist/rules/load-rules.js';

const [variant, dir, port] = process.argv.slice(2);
const loaded = await loadRules(dir);
if (!loaded.ruleSet) throw new Error(`rules in ${dir} do not build`);
const rules = new LiveRules(loaded.ruleSet);
let app;
if (variant === 'full' || variant === 'no-log') {
  const log = variant === 'full' ? createLogger({ format: 'json' }).log : silentLogger;
  app = createApp({ rules, log });
} else if (variant === 'route-only') {
  app = new Hono();
  app.route('/webhooks/call-action', callActionRoute({ currentRules: () => rules.current(), log: silentLogger }));
  app.get('/healthz', (c) => c.json(rules.health()));
} else {
  throw new Error(`unknown variant ${variant}`);
}
serve({ fetch: app.fetch, port: Number(port), hostname: '127.0.0.1' });
for (const signal of ['SIGTERM', 'SIGINT']) process.once(signal, () => process.exit(0));

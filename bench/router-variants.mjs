// The router's HTTP layer taken apart, to see what each piece costs per request. Same rules,
// engine and route handler as `serve`; only the pieces named by VARIANT are left out.
// Usage: node bench/router-variants.mjs VARIANT RULES_DIR PORT
//   full           createApp as `serve` builds it (body limit, JSON log line per call)
//   no-log         createApp with a silent logger
//   no-limit       the call-action route without the bodyLimit middleware, with logging
//   no-limit-log   the call-action route alone: JSON parse, ajv, replay cache, decide, JSON reply
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createApp } from '../dist/http/app.js';
import { callActionRoute } from '../dist/http/call-action-route.js';
import { jsonLineLogger, silentLogger } from '../dist/http/logger.js';
import { LiveRules } from '../dist/rules/live-rules.js';
import { loadRules } from '../dist/rules/load-rules.js';

const [variant, dir, port] = process.argv.slice(2);
const loaded = await loadRules(dir);
if (!loaded.ruleSet) throw new Error(`rules in ${dir} do not build`);
const rules = new LiveRules(loaded.ruleSet);
const log = variant === 'full' || variant === 'no-limit' ? jsonLineLogger : silentLogger;
let app;
if (variant === 'full' || variant === 'no-log') {
  app = createApp({ rules, log });
} else if (variant === 'no-limit' || variant === 'no-limit-log') {
  app = new Hono();
  app.route('/webhooks/call-action', callActionRoute({ currentRules: () => rules.current(), log }));
  app.get('/healthz', (c) => c.json(rules.health()));
} else {
  throw new Error(`unknown variant ${variant}`);
}
serve({ fetch: app.fetch, port: Number(port), hostname: '127.0.0.1' });
for (const signal of ['SIGTERM', 'SIGINT']) process.once(signal, () => process.exit(0));

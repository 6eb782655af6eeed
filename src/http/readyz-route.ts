import { Hono } from 'hono';
import type { RuleSet } from '../engine/rule-set.js';
import { jsonError } from '../web/errors.js';

/** Whether this instance should be sent calls: `ready` only between start-up and shutdown. */
export type Readiness = 'starting' | 'ready' | 'draining';

const WHY_NOT: Record<Exclude<Readiness, 'ready'>, string> = {
  starting: 'starting: the first rule set is not loaded yet',
  draining: 'shutting down: finishing the requests in flight, send new calls elsewhere',
};

/**
 * GET /readyz for load balancers: 200 while the instance should get traffic, 503 while it starts
 * or drains. Liveness and rule status stay on /healthz, so a drain never looks like a crash.
 */
export function readyzRoute(deps: { readiness: () => Readiness; currentRules: () => RuleSet }): Hono {
  const route = new Hono();
  route.get('/', (c) => {
    const state = deps.readiness();
    if (state !== 'ready') return c.json({ ready: false, state, reason: WHY_NOT[state] }, 503);
    const rules = deps.currentRules();
    return c.json({ ready: true, state, version: rules.version, rules: rules.rules.length });
  });
  route.all('/', (c) => jsonError(c, 405, 'method-not-allowed', 'use GET for /readyz'));
  return route;
}

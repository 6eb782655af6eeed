import { Hono } from 'hono';
import { decide, fallbackResponse, type Decision } from '../engine/decide.js';
import type { RuleSet } from '../engine/rule-set.js';
import type { CallActionEvent, CallActionPayload } from '../types/generated/call-action.js';
import type { CallflowResponse } from '../types/generated/callflow.js';
import { jsonError } from './errors.js';
import { ReplayCache } from './replay-cache.js';
import { eventValidator } from './validate-event.js';
import type { Logger } from './logger.js';

const validateCallAction = eventValidator<CallActionEvent>('call-action');

export interface CallActionDeps {
  currentRules: () => RuleSet;
  log: Logger;
}

// The same eventId with the same call data gets the same answer; a stranger reusing an
// eventId with other data cannot poison the answer for the real event.
function replayKey(p: CallActionPayload): string {
  return [p.eventId, p.callId, p.sessionId, p.source, p.destination, p.destinationRefId, p.callStatus, p.clientActionId, JSON.stringify(p.eventData ?? p.dtmf ?? null)].join('\u0000');
}

export function callActionRoute(deps: CallActionDeps): Hono {
  const app = new Hono();
  const replays = new ReplayCache<CallflowResponse>();

  app.post('/', async (c) => {
    const started = performance.now();
    let body: unknown;
    try {
      body = JSON.parse(await c.req.text());
    } catch {
      return jsonError(c, 400, 'invalid-json', 'the request body is not valid JSON');
    }
    const checked = validateCallAction(body);
    if (!checked.ok) return jsonError(c, 400, checked.error.code, checked.error.message, checked.error.field);
    const payload = checked.value.payload;

    const key = replayKey(payload);
    const replay = replays.get(key);
    if (replay) {
      deps.log({ msg: 'call-action', replay: true, eventId: payload.eventId, callId: payload.callId, sessionId: payload.sessionId, rule: replay.clientActionId });
      return c.json(replay);
    }

    const ruleSet = deps.currentRules();
    let decision: Decision;
    try {
      decision = decide(ruleSet, payload);
    } catch (e) {
      // A bug must not cost the caller their call: answer the fallback and say why in the log.
      decision = { outcome: 'fallback', reason: 'render-error', detail: `internal error: ${e instanceof Error ? e.message : String(e)}`, response: fallbackResponse(ruleSet, payload) };
    }
    replays.set(key, decision.response);
    deps.log({
      msg: 'call-action',
      eventId: payload.eventId,
      callId: payload.callId,
      sessionId: payload.sessionId,
      rule: decision.outcome === 'matched' ? decision.ruleId : null,
      outcome: decision.outcome,
      ...(decision.outcome === 'fallback' ? { reason: decision.reason, detail: decision.detail } : {}),
      rulesVersion: ruleSet.version,
      ms: Math.round((performance.now() - started) * 1000) / 1000,
    });
    return c.json(decision.response);
  });
  app.all('/', (c) => jsonError(c, 405, 'method-not-allowed', `use POST for ${c.req.path}`));
  return app;
}

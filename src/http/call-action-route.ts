import { Hono, type Context } from 'hono';
import { decide, fallbackResponse, type Decision } from '../engine/decide.js';
import type { RuleSet } from '../engine/rule-set.js';
import type { CallActionEvent, CallActionPayload } from '../types/generated/call-action.js';
import type { CallflowResponse } from '../types/generated/callflow.js';
import type { CallActionRecord } from '../store/call-observer.js';
import { withDeadline } from './deadline.js';
import { jsonError } from './errors.js';
import { addLogFields } from './log-fields.js';
import type { Logger } from '../log/logger.js';
import { bodyError, readJson } from './read-json.js';
import { ReplayCache } from '../store/replay-cache.js';
import { eventValidator } from '../events/validate-event.js';

const validateCallAction = eventValidator<CallActionEvent>('call-action');

/** 8x8 publishes no timeout for call actions; 2 s leaves a wide margin under any plausible one. */
export const DEFAULT_DEADLINE_MS = 2000;

export interface CallActionDeps {
  currentRules: () => RuleSet;
  log: Logger;
  /** Called once per answered call action, after the answer is decided (metrics, decision log). */
  onAnswer?: (record: CallActionRecord) => void;
  /** Past this, the caller gets the fallback callflow instead of silence. */
  deadlineMs?: number;
}

/** Stands in for the event when the deadline passes before its body has arrived: the fallback still renders. */
const UNKNOWN_CALL: CallActionPayload = { eventId: '', callId: '', sessionId: '', source: '', destination: '' };

/** The callflow as the exact text logged and cached (c.json would serialise it a second time). */
function sendJson(c: Context, text: string): Response {
  return c.body(text, 200, { 'content-type': 'application/json' });
}

export function callActionRoute(deps: CallActionDeps): Hono {
  const app = new Hono();
  // Keyed on the whole body as received: the same event delivered twice gets the same answer, and
  // an eventId reused with any other data (another sub-account, number, ref id...) is decided afresh.
  const replays = new ReplayCache<string>(10_000, 10 * 60_000, Date.now, 32 * 1024 * 1024);
  const deadlineMs = deps.deadlineMs ?? DEFAULT_DEADLINE_MS;

  app.post('/', async (c) => {
    const started = performance.now();
    let payload: CallActionPayload | undefined;
    let eventText: string | undefined;

    const answer = (decision: Decision | { outcome: 'fallback'; reason: 'deadline'; detail: string; response: CallflowResponse }, ruleSet: RuleSet) => {
      const seconds = (performance.now() - started) / 1000;
      const p = payload ?? UNKNOWN_CALL;
      const ruleId = decision.outcome === 'matched' ? decision.ruleId : null;
      const fallback = decision.outcome === 'fallback' ? { reason: decision.reason, detail: decision.detail } : {};
      const responseText = JSON.stringify(decision.response);
      addLogFields(c, { eventId: p.eventId, callId: p.callId, sessionId: p.sessionId, rule: ruleId, outcome: decision.outcome, ...fallback, rulesVersion: ruleSet.version });
      deps.onAnswer?.({
        payload: p,
        response: decision.response,
        eventText: eventText ?? JSON.stringify(p),
        responseText,
        outcome: decision.outcome,
        ruleId,
        ...fallback,
        rulesVersion: ruleSet.version,
        seconds,
      });
      return responseText;
    };

    const work = async (isLate: () => boolean): Promise<Response> => {
      const body = await readJson(c);
      if (isLate()) return c.body(null);
      if (!body.ok) return bodyError(c, body.problem, body.contentType);
      const checked = validateCallAction(body.value);
      if (!checked.ok) return jsonError(c, 400, checked.error.code, checked.error.message, checked.error.field);
      payload = checked.value.payload;
      eventText = body.text;

      const replay = replays.get(eventText);
      if (replay !== undefined) {
        addLogFields(c, { replay: true, eventId: payload.eventId, callId: payload.callId, sessionId: payload.sessionId });
        return sendJson(c, replay);
      }

      const ruleSet = deps.currentRules();
      let decision: Decision;
      try {
        decision = decide(ruleSet, payload);
      } catch (e) {
        // A bug must not cost the caller their call: answer the fallback and say why in the log.
        deps.log({ level: 'error', msg: 'decide-failed', eventId: payload.eventId, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
        decision = { outcome: 'fallback', reason: 'render-error', detail: `internal error: ${e instanceof Error ? e.message : String(e)}`, response: fallbackResponse(ruleSet, payload) };
      }
      const text = answer(decision, ruleSet);
      replays.set(eventText, text);
      return sendJson(c, text);
    };

    const onDeadline = () => {
      const ruleSet = deps.currentRules();
      const response = fallbackResponse(ruleSet, payload ?? UNKNOWN_CALL);
      return sendJson(c, answer({ outcome: 'fallback', reason: 'deadline', detail: `no answer within ${deadlineMs} ms`, response }, ruleSet));
    };

    return withDeadline(deadlineMs, work, onDeadline);
  });
  app.all('/', (c) => jsonError(c, 405, 'method-not-allowed', `use POST for ${c.req.path}`));
  return app;
}

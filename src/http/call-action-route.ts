import { Hono } from 'hono';
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
import type { SessionLookup } from '../engine/session-lookup.js';
import { normalizePhone } from '../engine/phone.js';

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
  /** Live masking sessions, asked before the CSV pairs. */
  sessions?: SessionLookup;
  /** Called after the answer when a live session connected the call (slides idleTtl, tells the session's story). */
  onSessionCall?: (sessionId: string, call: { at: number; callId: string; caller: string; callee: string; ruleId: string }) => void;
}

// The same eventId with the same call data gets the same answer; a stranger reusing an
// eventId with other data cannot poison the answer for the real event.
function replayKey(p: CallActionPayload): string {
  return [p.eventId, p.callId, p.sessionId, p.source, p.destination, p.destinationRefId, p.callStatus, p.clientActionId, JSON.stringify(p.eventData ?? p.dtmf ?? null)].join('\u0000');
}

/** Stands in for the event when the deadline passes before its body has arrived: the fallback still renders. */
const UNKNOWN_CALL: CallActionPayload = { eventId: '', callId: '', sessionId: '', source: '', destination: '' };

export function callActionRoute(deps: CallActionDeps): Hono {
  const app = new Hono();
  const replays = new ReplayCache<CallflowResponse>();
  const deadlineMs = deps.deadlineMs ?? DEFAULT_DEADLINE_MS;

  app.post('/', async (c) => {
    const started = performance.now();
    let payload: CallActionPayload | undefined;

    const answer = (decision: Decision | { outcome: 'fallback'; reason: 'deadline'; detail: string; response: CallflowResponse }, ruleSet: RuleSet) => {
      const seconds = (performance.now() - started) / 1000;
      const p = payload ?? UNKNOWN_CALL;
      const ruleId = decision.outcome === 'matched' ? decision.ruleId : null;
      const fallback = decision.outcome === 'fallback' ? { reason: decision.reason, detail: decision.detail } : {};
      addLogFields(c, { eventId: p.eventId, callId: p.callId, sessionId: p.sessionId, rule: ruleId, outcome: decision.outcome, ...fallback, rulesVersion: ruleSet.version });
      deps.onAnswer?.({ payload: p, response: decision.response, outcome: decision.outcome, ruleId, ...fallback, rulesVersion: ruleSet.version, seconds });
      return c.json(decision.response);
    };

    const work = async (isLate: () => boolean): Promise<Response> => {
      const body = await readJson(c);
      if (isLate()) return c.body(null);
      if (!body.ok) return bodyError(c, body.problem);
      const checked = validateCallAction(body.value);
      if (!checked.ok) return jsonError(c, 400, checked.error.code, checked.error.message, checked.error.field);
      payload = checked.value.payload;

      const key = replayKey(payload);
      const replay = replays.get(key);
      if (replay) {
        addLogFields(c, { replay: true, eventId: payload.eventId, callId: payload.callId, sessionId: payload.sessionId, rule: replay.clientActionId });
        return c.json(replay);
      }

      const ruleSet = deps.currentRules();
      let decision: Decision;
      try {
        decision = decide(ruleSet, payload, deps.sessions ? { sessions: deps.sessions } : {});
      } catch (e) {
        // A bug must not cost the caller their call: answer the fallback and say why in the log.
        deps.log({ level: 'error', msg: 'decide-failed', eventId: payload.eventId, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
        decision = { outcome: 'fallback', reason: 'render-error', detail: `internal error: ${e instanceof Error ? e.message : String(e)}`, response: fallbackResponse(ruleSet, payload) };
      }
      replays.set(key, decision.response);
      const response = answer(decision, ruleSet);
      if (decision.outcome === 'matched' && decision.session) noteSessionCall(deps, decision.session, decision.ruleId, payload, decision.response);
      return response;
    };

    const onDeadline = () => {
      const ruleSet = deps.currentRules();
      const response = fallbackResponse(ruleSet, payload ?? UNKNOWN_CALL);
      return answer({ outcome: 'fallback', reason: 'deadline', detail: `no answer within ${deadlineMs} ms`, response }, ruleSet);
    };

    return withDeadline(deadlineMs, work, onDeadline);
  });
  app.all('/', (c) => jsonError(c, 405, 'method-not-allowed', `use POST for ${c.req.path}`));
  return app;
}

function noteSessionCall(deps: CallActionDeps, sessionId: string, ruleId: string, payload: CallActionPayload, response: CallflowResponse): void {
  const makeCall = response.callflow.find((a) => a.action === 'makeCall');
  const callee = makeCall?.action === 'makeCall' ? makeCall.params.destination : '';
  deps.onSessionCall?.(sessionId, { at: Date.now(), callId: payload.callId, caller: normalizePhone(payload.source), callee, ruleId });
}

import type { SessionLookup } from '../engine/session-lookup.js';
import { DEFAULTS } from '../config/server-config.js';
import { normalizePhone } from '../engine/phone.js';
import { decideText, fallbackText, type TextDecision } from '../engine/decide.js';
import type { RuleSet } from '../engine/rule-set.js';
import type { CallActionEvent, CallActionPayload } from '../types/generated/call-action.js';
import type { CallActionRecord } from '../store/call-observer.js';
import { withDeadline } from './deadline.js';
import { errorBody } from '../web/errors.js';
import type { Logger } from '../log/logger.js';
import { bodyErrorAnswer, type JsonBody } from './read-json.js';
import { bodyKey, ReplayCache } from '../store/replay-cache.js';
import { eventValidator } from '../events/validate-event.js';

const validateCallAction = eventValidator<CallActionEvent>('call-action');

/** 8x8 publishes no timeout for call actions; 2 s leaves a wide margin under any plausible one. */
const DEFAULT_DEADLINE_MS = DEFAULTS.deadlineMs;

export interface CallActionDeps {
  currentRules: () => RuleSet;
  log: Logger;
  /** Called once per answered call action, after the answer is decided (metrics, decision log). */
  onAnswer?: (record: CallActionRecord) => void;
  /** Past this, the caller gets the fallback callflow instead of silence. */
  deadlineMs?: number;
  /** Live masking sessions, asked before the CSV pairs. */
  sessions?: SessionLookup;
  /**
   * Several routers on PostgreSQL: the answer recorded first for this event by any router (ours if
   * first), or undefined when the database did not say within `waitMs` (then our answer stands).
   */
  sharedAnswer?: SharedAnswer;
  /** Called after the answer when a live session connected the call (slides idleTtl, tells the session's story). */
  onSessionCall?: (sessionId: string, call: { at: number; callId: string; caller: string; callee: string; ruleId: string }) => void;
}

type SharedAnswer = (eventId: string, eventText: string, eventKey: string, answerText: string, waitMs: number) => Promise<{ text: string; first: boolean } | undefined>;

/** At most this share of the deadline goes to asking PostgreSQL whether another router answered first. */
const SHARED_SHARE_OF_DEADLINE = 0.25;

/** What to send back, whatever carries it (Hono or node:http): status, JSON text, and the log line's fields. */
export interface HttpAnswer {
  status: number;
  text: string;
  fields: Record<string, unknown>;
}

/** Stands in for the event when the deadline passes before its body has arrived: the fallback still renders. */
const UNKNOWN_CALL: CallActionPayload = { eventId: '', callId: '', sessionId: '', source: '', destination: '' };

/** A decision with its response as the text to send (decideText), or the fallback when the deadline passed. */
type Answerable = TextDecision | { outcome: 'fallback'; reason: 'deadline'; detail: string; response: string };

/**
 * A call action from body to answer, with no transport: parse result in, callflow text out. The
 * deadline covers reading the body too, so a slow sender still gets the fallback in time.
 */
export function callActionAnswerer(deps: CallActionDeps): (readBody: () => Promise<JsonBody>) => Promise<HttpAnswer | undefined> {
  // Keyed on (a hash of) the whole body as received: the same event delivered twice gets the same
  // answer, and an eventId reused with any other data (another sub-account, number, ref id...) is decided afresh.
  const replays = new ReplayCache<string>(10_000, 10 * 60_000, Date.now, 32 * 1024 * 1024);
  const deadlineMs = deps.deadlineMs ?? DEFAULT_DEADLINE_MS;

  return (readBody) => {
    const started = performance.now();
    let payload: CallActionPayload | undefined;
    let eventText: string | undefined;

    const answer = (decision: Answerable, ruleSet: RuleSet): HttpAnswer => {
      const seconds = (performance.now() - started) / 1000;
      const p = payload ?? UNKNOWN_CALL;
      const ruleId = decision.outcome === 'matched' ? decision.ruleId : null;
      const text = decision.response;
      const fields: Record<string, unknown> = { eventId: p.eventId, callId: p.callId, sessionId: p.sessionId, rule: ruleId, outcome: decision.outcome, rulesVersion: ruleSet.version };
      const record: CallActionRecord = { payload: p, eventText: eventText ?? JSON.stringify(p), responseText: text, outcome: decision.outcome, ruleId, rulesVersion: ruleSet.version, seconds };
      if (decision.outcome === 'fallback') {
        fields.reason = record.reason = decision.reason;
        fields.detail = record.detail = decision.detail;
      }
      deps.onAnswer?.(record);
      return { status: 200, text, fields };
    };

    const work = async (isLate: () => boolean): Promise<HttpAnswer | undefined> => {
      const body = await readBody();
      if (isLate()) return undefined;
      if (!body.ok) return bodyErrorAnswer(body.problem, body.contentType);
      const checked = validateCallAction(body.value);
      if (!checked.ok) return { status: 400, text: errorBody(checked.error.code, checked.error.message, checked.error.field), fields: {} };
      payload = checked.value.payload;
      eventText = body.text;

      const key = bodyKey(eventText);
      const replay = replays.get(key);
      if (replay !== undefined) return { status: 200, text: replay, fields: { replay: true, eventId: payload.eventId, callId: payload.callId, sessionId: payload.sessionId } };

      const ruleSet = deps.currentRules();
      let decision: TextDecision;
      try {
        decision = decideText(ruleSet, payload, deps.sessions ? { sessions: deps.sessions } : {});
      } catch (e) {
        // A bug must not cost the caller their call: answer the fallback and say why in the log.
        deps.log({ level: 'error', msg: 'decide-failed', eventId: payload.eventId, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
        decision = { outcome: 'fallback', reason: 'render-error', detail: `internal error: ${e instanceof Error ? e.message : String(e)}`, response: fallbackText(ruleSet, payload) };
      }
      if (deps.sharedAnswer) {
        const waitMs = Math.min(deadlineMs * SHARED_SHARE_OF_DEADLINE, deadlineMs - (performance.now() - started) - 50);
        const shared = await deps.sharedAnswer(payload.eventId, eventText, key, decision.response, waitMs);
        if (isLate()) return undefined;
        if (shared && !shared.first) {
          // Another router answered this delivery first: send exactly its answer, record nothing again.
          replays.set(key, shared.text);
          return { status: 200, text: shared.text, fields: { replay: true, replayFrom: 'shared', eventId: payload.eventId, callId: payload.callId, sessionId: payload.sessionId } };
        }
      }
      const answered = answer(decision, ruleSet);
      replays.set(key, answered.text);
      if (decision.outcome === 'matched' && decision.session) noteSessionCall(deps, decision.session, decision.ruleId, payload, decision.callee ?? '');
      return answered;
    };

    const onDeadline = () => {
      const ruleSet = deps.currentRules();
      const response = fallbackText(ruleSet, payload ?? UNKNOWN_CALL);
      return answer({ outcome: 'fallback', reason: 'deadline', detail: `no answer within ${deadlineMs} ms`, response }, ruleSet);
    };

    return withDeadline(deadlineMs, work, onDeadline);
  };
}

function noteSessionCall(deps: CallActionDeps, sessionId: string, ruleId: string, payload: { callId: string; source: string }, callee: string): void {
  deps.onSessionCall?.(sessionId, { at: Date.now(), callId: payload.callId, caller: normalizePhone(payload.source), callee, ruleId });
}

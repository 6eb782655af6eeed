import type { CallActionPayload } from '../types/generated/call-action.js';
import type { CallflowResponse } from '../types/generated/callflow.js';
import { eventFacts } from './event-facts.js';
import { callflowText } from './callflow-text.js';
import { callContext, matchCall, type Match } from './match-event.js';
import { nextActionId, RenderError, renderCallflow } from './render-callflow.js';
import type { RuleSet } from './rule-set.js';
import type { SessionLookup } from './session-lookup.js';

/** The clientActionId of the fallback callflow, and the rule name a fallback is counted and tested under. */
export const FALLBACK_ACTION_ID = 'fallback';

/** Why the fallback answered: no rule matched, the matched rule's callflow could not be made, or the deadline passed. */
export const FALLBACK_REASONS = ['no-match', 'render-error', 'deadline'] as const;
type FallbackReason = (typeof FALLBACK_REASONS)[number];

/** A routing decision, whatever form the response takes (the callflow object, or its JSON text). */
type DecisionOf<R> =
  /** `branch: 'else'` is there only when the rule's `else:` answered (the caller had no masking pair). */
  /** `session` is the live masking session that connected the call, when one did. */
  { outcome: 'matched'; ruleId: string; branch?: 'else'; session?: string; response: R } | { outcome: 'fallback'; reason: Exclude<FallbackReason, 'deadline'>; ruleId?: string; detail: string; response: R };

export type Decision = DecisionOf<CallflowResponse>;

/** The decision with the response as the JSON text 8x8 receives; `callee` is who a live session's call goes to. */
export type TextDecision = DecisionOf<string> & { callee?: string };

export interface DecideOptions {
  /** The clock for time-based rules; pinned by tests and `--at`. Default: now. */
  now?: Date;
  /** Live masking sessions, looked up before the CSV pairs. */
  sessions?: SessionLookup;
}

/** Event in, callflow out: the whole routing decision, with no I/O. */
export function decide(ruleSet: RuleSet, payload: CallActionPayload, options: DecideOptions = {}): Decision {
  return decideWith(
    ruleSet,
    payload,
    options,
    (match) => ({ clientActionId: nextActionId(match.steps) ?? match.rule.id, callflow: renderCallflow(match.steps, payload, match.peer, match.session?.record) }),
    () => fallbackResponse(ruleSet, payload),
  );
}

/**
 * The same decision as `decide`, with the response as the exact text `JSON.stringify` makes of
 * decide's, rendered from pieces prepared once per rule (callflow-text.ts): what the webhook sends.
 */
export function decideText(ruleSet: RuleSet, payload: CallActionPayload, options: DecideOptions = {}): TextDecision {
  let callee: string | undefined;
  const decision = decideWith(
    ruleSet,
    payload,
    options,
    (match) => {
      const actions = match.branch === 'else' ? match.rule.elseActions! : match.rule.actions;
      const text = `{"clientActionId":${JSON.stringify(nextActionId(match.steps) ?? match.rule.id)},"callflow":${callflowText(actions, payload, match.peer, match.session?.record)}}`;
      if (match.session) callee = calleeOf(match);
      return text;
    },
    () => fallbackText(ruleSet, payload),
  );
  return callee === undefined ? decision : { ...decision, callee };
}

function decideWith<R>(ruleSet: RuleSet, payload: CallActionPayload, options: DecideOptions, answer: (match: Match) => R, fallback: () => R): DecisionOf<R> {
  const context = callContext(eventFacts(payload), { now: options.now ?? new Date(), sessionId: payload.sessionId, ...(options.sessions ? { sessions: options.sessions } : {}) });
  const match = matchCall(ruleSet, context);
  if (!match) {
    return { outcome: 'fallback', reason: 'no-match', detail: 'no rule matched this call', response: fallback() };
  }
  const { rule } = match;
  try {
    const response = answer(match);
    return {
      outcome: 'matched',
      ruleId: rule.id,
      ...(match.branch === 'else' ? { branch: 'else' as const } : {}),
      ...(match.session ? { session: match.session.id } : {}),
      response,
    };
  } catch (e) {
    if (!(e instanceof RenderError)) throw e;
    return { outcome: 'fallback', reason: 'render-error', ruleId: rule.id, detail: `rule ${rule.id}: ${e.message}`, response: fallback() };
  }
}

/** The destination of the first makeCall the steps make: what a live session's call is noted under. */
function calleeOf(match: Match): string {
  for (const step of match.steps) {
    if (step.action === 'makeCall') return step.destination;
    if (step.action === 'callOtherParty') return match.peer ?? '';
  }
  return '';
}

/** The fallback is checked at load time to render for any call; hangup is the last resort. */
export function fallbackResponse(ruleSet: RuleSet, payload: CallActionPayload): CallflowResponse {
  try {
    return { clientActionId: FALLBACK_ACTION_ID, callflow: renderCallflow(ruleSet.fallback, payload) };
  } catch {
    return { clientActionId: FALLBACK_ACTION_ID, callflow: [{ action: 'hangup' }] };
  }
}

/** fallbackResponse as the JSON text 8x8 receives. */
export function fallbackText(ruleSet: RuleSet, payload: CallActionPayload): string {
  try {
    return `{"clientActionId":"${FALLBACK_ACTION_ID}","callflow":${callflowText(ruleSet.fallback, payload)}}`;
  } catch {
    return `{"clientActionId":"${FALLBACK_ACTION_ID}","callflow":[{"action":"hangup"}]}`;
  }
}

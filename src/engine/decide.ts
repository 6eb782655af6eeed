import type { CallActionPayload } from '../types/generated/call-action.js';
import type { CallflowResponse } from '../types/generated/callflow.js';
import { eventFacts } from './event-facts.js';
import { callContext, matchCall } from './match-event.js';
import { nextActionId, RenderError, renderCallflow } from './render-callflow.js';
import type { RuleSet } from './rule-set.js';
import type { SessionLookup } from './session-lookup.js';

/** The clientActionId of the fallback callflow, and the rule name a fallback is counted and tested under. */
export const FALLBACK_ACTION_ID = 'fallback';

/** Why the fallback answered: no rule matched, the matched rule's callflow could not be made, or the deadline passed. */
export const FALLBACK_REASONS = ['no-match', 'render-error', 'deadline'] as const;
type FallbackReason = (typeof FALLBACK_REASONS)[number];

export type Decision =
  /** `branch: 'else'` is there only when the rule's `else:` answered (the caller had no masking pair). */
  /** `session` is the live masking session that connected the call, when one did. */
  | { outcome: 'matched'; ruleId: string; branch?: 'else'; session?: string; response: CallflowResponse }
  | { outcome: 'fallback'; reason: Exclude<FallbackReason, 'deadline'>; ruleId?: string; detail: string; response: CallflowResponse };

export interface DecideOptions {
  /** The clock for time-based rules; pinned by tests and `--at`. Default: now. */
  now?: Date;
  /** Live masking sessions, looked up before the CSV pairs. */
  sessions?: SessionLookup;
}

/** Event in, callflow out: the whole routing decision, with no I/O. */
export function decide(ruleSet: RuleSet, payload: CallActionPayload, options: DecideOptions = {}): Decision {
  const context = callContext(eventFacts(payload), { now: options.now ?? new Date(), sessionId: payload.sessionId, ...(options.sessions ? { sessions: options.sessions } : {}) });
  const match = matchCall(ruleSet, context);
  if (!match) {
    return { outcome: 'fallback', reason: 'no-match', detail: 'no rule matched this call', response: fallbackResponse(ruleSet, payload) };
  }
  const { rule } = match;
  try {
    const callflow = renderCallflow(match.steps, payload, match.peer, match.session?.record);
    return {
      outcome: 'matched',
      ruleId: rule.id,
      ...(match.branch === 'else' ? { branch: 'else' as const } : {}),
      ...(match.session ? { session: match.session.id } : {}),
      response: { clientActionId: nextActionId(match.steps) ?? rule.id, callflow },
    };
  } catch (e) {
    if (!(e instanceof RenderError)) throw e;
    return { outcome: 'fallback', reason: 'render-error', ruleId: rule.id, detail: `rule ${rule.id}: ${e.message}`, response: fallbackResponse(ruleSet, payload) };
  }
}

/** The fallback is checked at load time to render for any call; hangup is the last resort. */
export function fallbackResponse(ruleSet: RuleSet, payload: CallActionPayload): CallflowResponse {
  try {
    return { clientActionId: FALLBACK_ACTION_ID, callflow: renderCallflow(ruleSet.fallback, payload) };
  } catch {
    return { clientActionId: FALLBACK_ACTION_ID, callflow: [{ action: 'hangup' }] };
  }
}

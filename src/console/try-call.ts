import { explainCandidates, explainDecision, type Explanation } from '../engine/explain-decision.js';
import type { Rule, RuleSet } from '../engine/rule-set.js';
import { makeCallActionPayload } from '../events/make-event.js';
import { eventValidator } from '../events/validate-event.js';
import type { CallActionEvent, CallActionPayload } from '../types/generated/call-action.js';
import { isTimezone, parseLocalDateTime } from './zoned-time.js';

const validateCallAction = eventValidator<CallActionEvent>('call-action');

/** The "try a call" form's fields, as the query string carries them (a shareable link). */
export const TRY_FIELDS = ['source', 'destination', 'destinationRefId', 'sourceCountryCode', 'subAccountId', 'clientActionId', 'dtmf', 'sessionId', 'at', 'tz'] as const;
export type TryField = (typeof TRY_FIELDS)[number];
export type TryForm = Partial<Record<TryField, string>>;

/** Event fields the form sets, each tied to the payload's generated type. */
const EVENT_FIELDS = ['source', 'destination', 'destinationRefId', 'sourceCountryCode', 'subAccountId', 'clientActionId', 'dtmf', 'sessionId'] as const satisfies readonly (keyof CallActionPayload)[];

/**
 * Up to this many rules every rule before the winner is explained, as `simulate --explain` does;
 * past it only the rules that could answer the called number (walking 100k rules takes seconds).
 */
export const EXPLAIN_EVERY_RULE_UP_TO = 2000;

export type TryResult =
  | {
      ok: true;
      event: CallActionEvent;
      at: Date;
      explanation: Explanation;
      winner: Rule | undefined;
      /** Rules before the winner left out: written for other numbers. */
      leftOut: number;
    }
  | { ok: false; field?: string; message: string };

/** The form's call, decided and explained by the engine that `simulate --explain` uses. */
export function tryCall(ruleSet: RuleSet, form: TryForm, now: Date): TryResult {
  const fields: Partial<CallActionPayload> = {};
  for (const key of EVENT_FIELDS) {
    const value = form[key]?.trim();
    if (value) fields[key] = value;
  }
  const tz = form.tz?.trim() || 'UTC';
  if (!isTimezone(tz)) return { ok: false, field: 'tz', message: `"${tz}" is not a time zone: pick one from the list` };
  let at = now;
  if (form.at?.trim()) {
    const parsed = parseLocalDateTime(form.at, tz);
    if (!parsed) return { ok: false, field: 'at', message: `"${form.at}" is not a date and time: write it like 2026-03-02T09:30` };
    at = parsed;
  }
  const checked = validateCallAction({ eventType: 'CALL_ACTION', payload: makeCallActionPayload({ sessionId: 'console-try', ...fields, timestamp: at.toISOString() }) });
  if (!checked.ok) return { ok: false, ...(checked.error.field ? { field: checked.error.field.replace(/^payload\./, '') } : {}), message: checked.error.message };
  const payload = checked.value.payload;
  const total = ruleSet.rules.length;
  if (total > EXPLAIN_EVERY_RULE_UP_TO) {
    return { ok: true, event: checked.value, at, ...explainCandidates(ruleSet, payload, { now: at }) };
  }
  const explanation = explainDecision(ruleSet, payload, { now: at });
  const { decision, skipped } = explanation;
  const winner = decision.outcome === 'matched' ? ruleSet.rules.find((r) => r.id === decision.ruleId && r.order >= (skipped.at(-1)?.rule.order ?? -1)) : undefined;
  return { ok: true, event: checked.value, at, explanation, winner, leftOut: 0 };
}

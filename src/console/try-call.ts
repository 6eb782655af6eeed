import { explainDecision, type Explanation } from '../engine/explain-decision.js';
import type { RuleSet } from '../engine/rule-set.js';
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

export type TryResult = { ok: true; event: CallActionEvent; at: Date; explanation: Explanation } | { ok: false; field?: string; message: string };

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
  return { ok: true, event: checked.value, at, explanation: explainDecision(ruleSet, checked.value.payload, { now: at }) };
}

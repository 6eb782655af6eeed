import { normalizePhone } from '../engine/phone.js';
import { PHONE_FIELDS, type Matcher, type MatchField, type RuleSet } from '../engine/rule-set.js';
import { makeCallActionPayload } from '../events/make-event.js';
import type { FixedSession } from '../sessions/fixed-sessions.js';

/** A call to replay: the fields that matter, and where it comes from (for the report). */
export interface SampleCall {
  label: string;
  call: Readonly<Record<string, string>>;
  /** A test's own clock; else the compare's. */
  at?: Date;
  /** Live masking sessions open for the call: one whose PIN a PIN menu's sample call types. */
  sessions?: readonly FixedSession[];
}

/** The PIN a PIN menu's sample call types, and the parties of the session that has it. */
const SAMPLE_PIN = '1234';
const SAMPLE_PARTIES = ['+6591110001', '+6592220001'] as const;

// Long enough to be a plausible number (a makeCall may use it as caller ID), short enough for any country.
const PHONE_DIGITS = 10;

/** A value the matcher accepts, when one can be read off it (exact or prefix); else undefined. */
function valueFor(field: MatchField, matcher: Matcher): string | undefined {
  switch (matcher.kind) {
    case 'exact':
      return matcher.values.values().next().value;
    case 'prefix': {
      const p = matcher.prefixes[0];
      if (p === undefined) return undefined;
      return PHONE_FIELDS.has(field) ? p.padEnd(PHONE_DIGITS + 1, '0') : p;
    }
    case 'anyOf':
      for (const option of matcher.options) {
        const v = valueFor(field, option);
        if (v !== undefined) return v;
      }
      return undefined;
    default:
      return undefined;
  }
}

// The default caller (+6591234567) is a typical Singapore mobile and so tends to be caught by
// earlier rules about callers; a second call per rule uses a caller no rule is likely to name.
const NEUTRAL_CALLER = '+12025550100';

/**
 * Calls built from each rule's exact and prefix conditions, so that every rule (bar those behind
 * regex or `not`) is exercised: one with the other fields at their defaults, one with a neutral
 * caller; plus a call with every field at its default.
 */
export function sampleCalls(ruleSet: RuleSet): SampleCall[] {
  const out: SampleCall[] = [{ label: 'a call with every field at its default', call: {} }];
  for (const rule of ruleSet.rules) {
    if (rule.conditions.length === 0) continue;
    const call: Record<string, string> = {};
    let sessions: FixedSession[] | undefined;
    for (const c of rule.conditions) {
      if (c.kind === 'pin') {
        call.dtmf = SAMPLE_PIN;
        call.destination ??= makeCallActionPayload({}).destination;
        sessions = [{ id: 'sample-session', parties: SAMPLE_PARTIES, virtualNumber: normalizePhone(call.destination), pin: SAMPLE_PIN }];
      }
      if (c.kind !== 'field') continue;
      const v = c.example ?? valueFor(c.field, c.matcher);
      if (v !== undefined) call[c.field] = v;
    }
    const label = `a call for rule ${rule.id} (${rule.file}:${rule.line})${sessions ? `, with a session whose PIN it types (${SAMPLE_PIN})` : ''}`;
    if (sessions) {
      out.push({ label, call, sessions });
      continue;
    }
    out.push({ label, call });
    if (call.source === undefined) out.push({ label, call: { ...call, source: NEUTRAL_CALLER } });
  }
  return out;
}

import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { describeSource } from '../engine/explain-decision.js';
import type { Action, Condition, Rule, Step, Template } from '../engine/rule-set.js';

/** A rule read aloud: who it is for, then what callers hear, step by step. */
export interface RuleSentence {
  /** "Calls to vn-ref-1 from Singapore (SG), Mon–Fri 09:00–18:00 Asia/Singapore" */
  when: string;
  /** ["say “Welcome”", "connect +65 8765 4321 (recorded)"] */
  steps: string[];
  /** The `else:` steps, used when the caller has no current masking pair. */
  otherwise?: string[];
}

const regions = new Intl.DisplayNames(['en'], { type: 'region' });

export function describeRule(rule: Rule): RuleSentence {
  const fields = rule.conditions.filter((c) => c.kind === 'field');
  const parts = fields.map(describeCondition);
  const hasSubAccount = fields.some((c) => c.field === 'subAccountId');
  if (rule.scope && !hasSubAccount) parts.push(`on sub-account ${[...rule.scope].join(' or ')}`);
  if (rule.conditions.some((c) => c.kind === 'pin')) parts.push('after typing the PIN of an open session on the called number');
  const times = rule.conditions.filter((c) => c.kind === 'time').map((c) => describeTime(c.source));
  let when = parts.length > 0 ? `Calls ${parts.join(' ')}` : 'Every call';
  if (times.length > 0) when += `, ${times.join(' and ')}`;
  return { when, steps: describeActions(rule.actions, rule.pinParty), ...(rule.elseActions ? { otherwise: describeActions(rule.elseActions) } : {}) };
}

const LEAD: Partial<Record<string, string>> = {
  source: 'from',
  destination: 'to',
  destinationRefId: 'to',
  sourceCountryCode: 'from',
  destinationCountryCode: 'to a number in',
  subAccountId: 'on sub-account',
  dtmf: 'after pressing',
  clientActionId: 'in answer to',
};

function describeCondition(c: Condition & { kind: 'field' }): string {
  const lead = LEAD[c.field] ?? `whose ${c.field} is`;
  return `${lead} ${describeValue(c.field, c.source)}`;
}

function describeValue(field: string, source: unknown): string {
  if (typeof source === 'string' || typeof source === 'number') return plainValue(field, String(source));
  if (Array.isArray(source)) {
    const words = source.map((s) => describeValue(field, s));
    return words.length === 1 ? words[0]! : `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`;
  }
  if (source && typeof source === 'object') {
    const op = source as Record<string, unknown>;
    if ('in' in op) {
      const names = Array.isArray(op.in) ? op.in.map(String) : [String(op.in)];
      const what = field.endsWith('CountryCode') ? 'a country' : 'a number';
      return `${what} on the list ${names.join(' or ')}`;
    }
    if ('not' in op) return `anything but ${describeValue(field, op.not)}`;
    if ('prefix' in op) {
      const prefixes = (Array.isArray(op.prefix) ? op.prefix : [op.prefix]).map(String);
      const what = field === 'source' || field === 'destination' ? 'a number' : 'a value';
      return `${what} starting with ${prefixes.join(' or ')}`;
    }
  }
  return describeSource(source);
}

function plainValue(field: string, value: string): string {
  if (field === 'source' || field === 'destination') return formatPhone(value);
  if (field.endsWith('CountryCode')) {
    const code = value.toUpperCase();
    const name = /^[A-Z]{2}$/.test(code) ? regions.of(code) : undefined;
    return name && name !== code ? `${name} (${code})` : code;
  }
  return value;
}

/** "+65 8765 4321"; a text that is not a phone number stays as written. */
export function formatPhone(value: string): string {
  return parsePhoneNumberFromString(value)?.formatInternational() ?? value;
}

const DAY = /\b(mon|tue|wed|thu|fri|sat|sun)[a-z]*\b/gi;

function describeTime(source: unknown): string {
  const windows = Array.isArray(source) ? source : [source];
  return windows.map(describeWindow).join(' or ');
}

function describeWindow(source: unknown): string {
  if (!source || typeof source !== 'object') return String(source);
  const w = source as Record<string, unknown>;
  const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);
  const dash = (s: string) => s.replace(/\s*-\s*/g, '–');
  const parts: string[] = [];
  const days = list(w.days).map((d) => dash(d.replace(DAY, (name: string) => name.slice(0, 1).toUpperCase() + name.slice(1, 3).toLowerCase())).replace(/,\s*/g, ', '));
  parts.push(days.length > 0 ? days.join(', ') : 'every day');
  const hours = list(w.hours).map(dash);
  if (hours.length > 0) parts.push(hours.join(', '));
  const dates = list(w.dates).map((d) => d.replace('..', ' to '));
  if (dates.length > 0) parts.push(`on ${dates.join(', ')}`);
  const calendar = list(w.calendar);
  if (calendar.length > 0) parts.push(`on ${calendar.join(' or ')} days`);
  parts.push(String(w.timezone));
  const except = list(w.except);
  return parts.join(' ') + (except.length > 0 ? `, except ${except.join(' and ')}` : '');
}

/** `pinParty`: a PIN menu's rule, whose other party is that party of the session the PIN names. */
export function describeActions(actions: readonly Action[], pinParty?: 0 | 1): string[] {
  return actions.map((a) => describeAction(a, pinParty));
}

function describeAction(a: Action, pinParty: 0 | 1 | undefined): string {
  switch (a.action) {
    case 'split':
      return `share the calls: ${a.branches.map((b) => `${Math.round((b.weight / a.totalWeight) * 100)}%: ${describeActions(b.actions, pinParty).join(' → ')}`).join('; ')}`;
    default:
      return describeStep(a, pinParty);
  }
}

function describeStep(s: Step, pinParty: 0 | 1 | undefined): string {
  switch (s.action) {
    case 'say':
      return `say “${templateText(s.text)}”`;
    case 'playFile':
      return `play ${s.params.fileUrl}`;
    case 'makeCall':
      return `connect ${formatPhone(s.destination)}${s.callRecording ? ' (recorded)' : ''}`;
    case 'callOtherParty':
      if (pinParty !== undefined) return `connect the ${pinParty === 0 ? 'first' : 'second'} party of that session${s.callRecording ? ' (recorded)' : ''}`;
      return `connect the other party of the caller's masking pair${s.callRecording ? ' (recorded)' : ''}`;
    case 'hangup':
      return 'hang up';
    default:
      return (s as { action: string }).action;
  }
}

function templateText(t: Template): string {
  return t.parts.map((p) => (typeof p === 'string' ? p : `{{${p.field}}}`)).join('');
}

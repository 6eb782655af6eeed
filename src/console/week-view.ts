import { decide } from '../engine/decide.js';
import type { Rule, RuleSet, TimeCondition } from '../engine/rule-set.js';
import { makeCallActionPayload } from '../events/make-event.js';
import type { CallActionPayload } from '../types/generated/call-action.js';
import { zonedInstant } from './zoned-time.js';

/** A virtual number some rule is written for, as the author wrote it. */
export interface VirtualNumber {
  value: string;
  field: 'destinationRefId' | 'destination';
}

interface WeekDay {
  date: string;
  weekday: string;
  /** Names of the calendars in `except:` of this number's rules that contain the date. */
  holidays: string[];
}

export interface WeekView {
  timezone: string;
  days: WeekDay[];
  /** cells[day][hour]: the rule that answers at the start of that hour, or "fallback". */
  cells: string[][];
  /** The rules that appear in the week, in evaluation order, then the fallback if it does. */
  answering: string[];
}

const WEEKDAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** Every exact destination or destinationRefId the rules test, in rule order, once each. */
export function virtualNumbers(ruleSet: RuleSet): VirtualNumber[] {
  const seen = new Map<string, VirtualNumber>();
  for (const rule of ruleSet.rules) {
    for (const c of rule.conditions) {
      if (c.kind !== 'field' || (c.field !== 'destinationRefId' && c.field !== 'destination')) continue;
      const values = Array.isArray(c.source) ? c.source : [c.source];
      for (const v of values) if (typeof v === 'string' && !seen.has(v)) seen.set(v, { value: v, field: c.field });
    }
  }
  return [...seen.values()];
}

function timeConditions(rule: Rule): TimeCondition[] {
  return rule.conditions.filter((c): c is TimeCondition => c.kind === 'time');
}

/** The rules that could answer calls to `number`: those testing it and those not testing the called number at all. */
function rulesFor(ruleSet: RuleSet, number: VirtualNumber): Rule[] {
  return ruleSet.rules.filter((r) => {
    const tests = r.conditions.filter((c) => c.kind === 'field' && (c.field === 'destinationRefId' || c.field === 'destination'));
    return tests.length === 0 || tests.some((c) => (Array.isArray(c.source) ? c.source : [c.source]).includes(number.value));
  });
}

/** The time zone the number's rules are written in: the first one found, else UTC. */
export function timezoneFor(ruleSet: RuleSet, number: VirtualNumber | undefined): string {
  const rules = number ? rulesFor(ruleSet, number) : ruleSet.rules;
  for (const r of [...rules, ...ruleSet.rules]) {
    const t = timeConditions(r)[0]?.windows[0];
    if (t) return t.clock.timezone;
  }
  return 'UTC';
}

/** The Monday of the ISO week `YYYY-Www`, or of the week containing a date `YYYY-MM-DD`. */
export function weekStart(text: string): string | undefined {
  const week = /^(\d{4})-W(\d{2})$/.exec(text);
  if (week) {
    const year = Number(week[1]);
    const n = Number(week[2]);
    if (n < 1 || n > 53) return undefined;
    const jan4 = new Date(Date.UTC(year, 0, 4));
    const monday1 = Date.UTC(year, 0, 4 - ((jan4.getUTCDay() + 6) % 7));
    return new Date(monday1 + (n - 1) * 7 * 86_400_000).toISOString().slice(0, 10);
  }
  if (/^\d{4}-\d{2}-\d{2}$/.test(text) && !Number.isNaN(Date.parse(`${text}T00:00:00Z`))) {
    const d = new Date(`${text}T00:00:00Z`);
    return new Date(d.getTime() - ((d.getUTCDay() + 6) % 7) * 86_400_000).toISOString().slice(0, 10);
  }
  return undefined;
}

/** `YYYY-Www` of the week starting on `monday`. */
export function isoWeek(monday: string): string {
  const d = new Date(`${monday}T00:00:00Z`);
  const thursday = new Date(d.getTime() + 3 * 86_400_000);
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * 86_400_000)) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/**
 * Which rule answers each hour of the week starting `monday` (in `timezone`), for a call to
 * `number` from `caller`: the engine decides every hour, exactly as for a real call.
 */
export function weekView(ruleSet: RuleSet, number: VirtualNumber, monday: string, caller: Partial<CallActionPayload>, timezone = timezoneFor(ruleSet, number)): WeekView {
  const rules = rulesFor(ruleSet, number);
  const calendars: { name: string; dates: ReadonlySet<string> }[] = [];
  for (const r of rules) {
    for (const t of timeConditions(r)) {
      t.windows.forEach((w, i) => {
        const src = (Array.isArray(t.source) ? t.source[i] : t.source) as { except?: unknown } | undefined;
        const names = src?.except === undefined ? [] : Array.isArray(src.except) ? src.except.map(String) : [String(src.except)];
        if (w.except && names.length > 0 && !calendars.some((c) => c.name === names.join(', '))) calendars.push({ name: names.join(', '), dates: w.except });
      });
    }
  }
  const payload = makeCallActionPayload({ sessionId: 'week-view', ...caller, [number.field]: number.value });
  const start = new Date(`${monday}T00:00:00Z`).getTime();
  const days: WeekDay[] = [];
  const cells: string[][] = [];
  const seen = new Set<string>();
  for (let d = 0; d < 7; d++) {
    const day = new Date(start + d * 86_400_000);
    const date = day.toISOString().slice(0, 10);
    days.push({ date, weekday: WEEKDAY_NAMES[day.getUTCDay()]!, holidays: calendars.filter((c) => c.dates.has(date)).map((c) => c.name) });
    const row: string[] = [];
    for (let h = 0; h < 24; h++) {
      const decision = decide(ruleSet, payload, { now: zonedInstant(date, h * 60, timezone) });
      const id = decision.outcome === 'matched' ? decision.ruleId : 'fallback';
      seen.add(id);
      row.push(id);
    }
    cells.push(row);
  }
  const answering = [...new Set(ruleSet.rules.map((r) => r.id))].filter((id) => seen.has(id));
  if (seen.has('fallback')) answering.push('fallback');
  return { timezone, days, cells, answering };
}

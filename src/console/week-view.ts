import { decide } from '../engine/decide.js';
import type { Rule, RuleSet, TimeCondition } from '../engine/rule-set.js';
import { makeCallActionPayload } from '../events/make-event.js';
import type { CallActionPayload } from '../types/generated/call-action.js';
import { entriesFor, type RuleCatalogue, timezoneFor, type VirtualNumber } from './rule-catalogue.js';
import { zonedInstant } from './zoned-time.js';

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
  /** The rules that could answer this number, by id (the key describes them). */
  rules: ReadonlyMap<string, Rule>;
}

const WEEKDAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

function timeConditions(rule: Rule): TimeCondition[] {
  return rule.conditions.filter((c): c is TimeCondition => c.kind === 'time');
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
export function weekView(ruleSet: RuleSet, catalogue: RuleCatalogue, number: VirtualNumber, monday: string, caller: Partial<CallActionPayload>, timezone = timezoneFor(catalogue, number)): WeekView {
  // Only this number's rules are made into objects (a packed set makes each from bytes).
  const rules = entriesFor(catalogue, number).map((e) => ruleSet.rules[e.order]!);
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
  const answering = [...new Set(rules.map((r) => r.id))].filter((id) => seen.has(id));
  if (seen.has('fallback')) answering.push('fallback');
  return { timezone, days, cells, answering, rules: new Map(rules.map((r) => [r.id, r])) };
}

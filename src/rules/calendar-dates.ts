import { isCalendarDate } from '../text/dates.js';

/**
 * Years a calendar or `dates:` may name. Past 9999 `toISOString()` writes `+010000-…`, and a
 * range to 9999-12-31 is millions of days: bounded, a typo costs an error, not the loader.
 */
const MIN_YEAR = 2000;
const MAX_YEAR = 2100;

export type DateRangeResult = { ok: true; from: string; to: string } | { ok: false; message: string };

/** "2026-12-24" or "2026-12-24..2026-12-31". */
export function parseDateRange(text: string): DateRangeResult {
  const parts = text
    .trim()
    .split('..')
    .map((s) => s.trim());
  const from = parts[0] ?? '';
  const to = parts[1] ?? from;
  const example = 'write dates as YYYY-MM-DD, like 2026-12-25, or a range like 2026-12-24..2026-12-31';
  if (parts.length > 2) return { ok: false, message: `"${text}" is not a date: ${example}` };
  for (const d of [from, to]) {
    if (!isCalendarDate(d)) return { ok: false, message: `"${d}" is not a date: ${example}` };
  }
  for (const d of [from, to]) {
    const year = Number(d.slice(0, 4));
    if (year < MIN_YEAR || year > MAX_YEAR) return { ok: false, message: `"${d}" is outside the years the router accepts (${MIN_YEAR} to ${MAX_YEAR}); check the year for a typo` };
  }
  if (to < from) return { ok: false, message: `the range "${text}" ends before it starts: put the earlier date first` };
  return { ok: true, from, to };
}

const DAY_MS = 86_400_000;

/** How many days an inclusive range covers, without listing them. */
export function daysInRange(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS) + 1;
}

/** Every date of an inclusive range, YYYY-MM-DD; at most `limit` of them, so it always ends. */
export function datesBetween(from: string, to: string, limit = 366): string[] {
  const out: string[] = [];
  const start = Date.parse(`${from}T00:00:00Z`);
  const count = Math.min(daysInRange(from, to), limit);
  for (let i = 0; i < count; i++) out.push(new Date(start + i * DAY_MS).toISOString().slice(0, 10));
  return out;
}

import { isCalendarDate } from '../text/dates.js';

export type DateRangeResult = { ok: true; from: string; to: string } | { ok: false; message: string };

/** "2026-12-24" or "2026-12-24..2026-12-31". */
export function parseDateRange(text: string): DateRangeResult {
  const parts = text.trim().split('..').map((s) => s.trim());
  const from = parts[0] ?? '';
  const to = parts[1] ?? from;
  const example = 'write dates as YYYY-MM-DD, like 2026-12-25, or a range like 2026-12-24..2026-12-31';
  if (parts.length > 2) return { ok: false, message: `"${text}" is not a date: ${example}` };
  for (const d of [from, to]) {
    if (!isCalendarDate(d)) return { ok: false, message: `"${d}" is not a date: ${example}` };
  }
  if (to < from) return { ok: false, message: `the range "${text}" ends before it starts: put the earlier date first` };
  return { ok: true, from, to };
}

/** Every date of an inclusive range, YYYY-MM-DD. */
export function datesBetween(from: string, to: string): string[] {
  const out: string[] = [];
  const day = new Date(`${from}T00:00:00Z`);
  for (let iso = from; iso <= to; ) {
    out.push(iso);
    day.setUTCDate(day.getUTCDate() + 1);
    iso = day.toISOString().slice(0, 10);
  }
  return out;
}

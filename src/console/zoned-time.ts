import { localTime } from '../engine/time-window.js';

/** The instant when the wall clock in `timezone` reads `date` (YYYY-MM-DD) at `minutes` past midnight. */
export function zonedInstant(date: string, minutes: number, timezone: string): Date {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const wanted = Date.UTC(y, m - 1, d) + minutes * 60_000;
  let guess = wanted;
  // Two corrections settle any offset, daylight saving included.
  for (let i = 0; i < 2; i++) {
    const local = localTime({ timezone }, new Date(guess));
    const [ly, lm, ld] = local.date.split('-').map(Number) as [number, number, number];
    const seen = Date.UTC(ly, lm - 1, ld) + local.minutes * 60_000;
    guess += wanted - seen;
  }
  return new Date(guess);
}

/** `YYYY-MM-DDTHH:MM` (a datetime-local input) in `timezone`, or undefined when it is not that shape. */
export function parseLocalDateTime(text: string, timezone: string): Date | undefined {
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})$/.exec(text.trim());
  if (!m) return undefined;
  const hour = Number(m[2]);
  const minute = Number(m[3]);
  if (hour > 23 || minute > 59 || Number.isNaN(Date.parse(`${m[1]}T00:00:00Z`))) return undefined;
  return zonedInstant(m[1]!, hour * 60 + minute, timezone);
}

/** `2026-12-01 21:56 UTC` style, in `timezone`. */
export function formatInZone(at: Date, timezone: string): string {
  const local = localTime({ timezone }, at);
  const hh = String(Math.floor(local.minutes / 60)).padStart(2, '0');
  const mm = String(local.minutes % 60).padStart(2, '0');
  return `${local.date} ${hh}:${mm}`;
}

/** Whether `timezone` is one this runtime knows. */
export function isTimezone(timezone: string): boolean {
  try {
    localTime({ timezone }, new Date(0));
    return true;
  } catch {
    return false;
  }
}

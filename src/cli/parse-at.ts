import { UsageError } from './usage-error.js';

// A time zone is required: "09:00" alone would mean the zone of whichever machine runs it (UTC on CI).
const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2})$/;

/** `--at 2026-03-02T09:30:00+08:00`: the clock for simulate, rule tests and compare. */
export function parseAt(raw: string | undefined): Date | undefined {
  if (raw === undefined) return undefined;
  const date = new Date(raw);
  if (!ISO_WITH_ZONE.test(raw) || Number.isNaN(date.getTime()) || !isCalendarDate(raw.slice(0, 10))) {
    throw new UsageError(`--at must be a date and time with a time zone, like 2026-03-02T09:30:00+08:00 or 2026-03-02T01:30:00Z; got "${raw}"`);
  }
  return date;
}

/** Date would read 2026-02-31 as 3 March; a person who typed it meant something else. */
function isCalendarDate(ymd: string): boolean {
  const [y, m, d] = ymd.split('-').map(Number) as [number, number, number];
  const day = new Date(Date.UTC(y, m - 1, d));
  return day.getUTCFullYear() === y && day.getUTCMonth() === m - 1 && day.getUTCDate() === d;
}

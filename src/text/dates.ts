/** Whether `text` is a real calendar date written YYYY-MM-DD (2026-02-30 is not: Date would read it as 2 March). */
export function isCalendarDate(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

// A zone is required: "09:00" alone would mean the zone of whichever machine reads it (UTC on CI).
const ISO_WITH_ZONE = /^(\d{4}-\d{2}-\d{2})T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2})$/;

/** `2026-12-31T23:59:00+08:00` (or `...Z`) as epoch milliseconds; undefined for anything else. */
export function parseIsoWithZone(text: string): number | undefined {
  const m = ISO_WITH_ZONE.exec(text);
  if (!m || !isCalendarDate(m[1]!)) return undefined;
  const time = Date.parse(text);
  return Number.isNaN(time) ? undefined : time;
}

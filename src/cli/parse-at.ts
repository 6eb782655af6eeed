import { parseIsoWithZone } from '../text/dates.js';
import { UsageError } from './usage-error.js';

/** `--at 2026-03-02T09:30:00+08:00`: the clock for simulate, rule tests and compare. */
export function parseAt(raw: string | undefined): Date | undefined {
  if (raw === undefined) return undefined;
  const time = parseIsoWithZone(raw);
  if (time === undefined) {
    throw new UsageError(`--at must be a date and time with a time zone, like 2026-03-02T09:30:00+08:00 or 2026-03-02T01:30:00Z; got "${raw}"`);
  }
  return new Date(time);
}

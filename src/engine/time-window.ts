/**
 * A timezone's wall clock. Plain data, so a rule set survives structured cloning (a worker
 * thread may build it); the Intl formatter behind it lives in `formatters`, built once per
 * timezone when the rules load (and once more in any thread that receives a cloned rule set).
 */
export interface ZonedClock {
  timezone: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timezone: string): Intl.DateTimeFormat {
  let format = formatters.get(timezone);
  if (!format) {
    // Throws RangeError for an unknown timezone; the compiler turns that into a diagnostic.
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      weekday: 'short',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    });
    formatters.set(timezone, format);
  }
  return format;
}

/** A moment as people in one timezone see it. */
export interface LocalTime {
  /** 0 = Sunday … 6 = Saturday. */
  weekday: number;
  /** YYYY-MM-DD, so dates compare as strings. */
  date: string;
  /** Minutes since local midnight, 0…1439. */
  minutes: number;
}

/** A time of day range in minutes; `from > to` runs overnight (22:00-06:00). `to` may be 1440 (24:00). */
export interface HourRange {
  from: number;
  to: number;
}

/** An inclusive range of dates, YYYY-MM-DD. */
export interface DateRange {
  from: string;
  to: string;
}

/** One `time:` window. Every part that is present must hold; `except` days never match. */
export interface TimeWindow {
  clock: ZonedClock;
  days?: ReadonlySet<number>;
  hours?: readonly HourRange[];
  dates?: readonly DateRange[];
  /** Only on these days (the named calendars, expanded to dates at load). */
  calendar?: ReadonlySet<string>;
  except?: ReadonlySet<string>;
}

const WEEKDAYS: Readonly<Record<string, number>> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

/** The clock of `timezone`, its formatter built now; throws RangeError for an unknown timezone. */
export function zonedClock(timezone: string): ZonedClock {
  formatterFor(timezone);
  return { timezone };
}

export function localTime(clock: ZonedClock, now: Date): LocalTime {
  let weekday = 0;
  let year = '';
  let month = '';
  let day = '';
  let hour = 0;
  let minute = 0;
  for (const part of formatterFor(clock.timezone).formatToParts(now)) {
    switch (part.type) {
      case 'weekday':
        weekday = WEEKDAYS[part.value] ?? 0;
        break;
      case 'year':
        year = part.value;
        break;
      case 'month':
        month = part.value;
        break;
      case 'day':
        day = part.value;
        break;
      case 'hour':
        hour = Number(part.value) % 24;
        break;
      case 'minute':
        minute = Number(part.value);
        break;
      default:
        break;
    }
  }
  return { weekday, date: `${year}-${month}-${day}`, minutes: hour * 60 + minute };
}

/** The day before `date` (YYYY-MM-DD), and its weekday. */
function previousDay(local: LocalTime): { weekday: number; date: string } {
  const [y, m, d] = local.date.split('-').map(Number) as [number, number, number];
  const prev = new Date(Date.UTC(y, m - 1, d - 1));
  return { weekday: (local.weekday + 6) % 7, date: prev.toISOString().slice(0, 10) };
}

function dayMatches(window: TimeWindow, weekday: number, date: string): boolean {
  if (window.days && !window.days.has(weekday)) return false;
  if (window.dates && !window.dates.some((r) => date >= r.from && date <= r.to)) return false;
  if (window.calendar && !window.calendar.has(date)) return false;
  if (window.except?.has(date)) return false;
  return true;
}

/**
 * Whether `local` falls in the window. The small hours of an overnight range belong to the day
 * the range started: `days: fri, hours: 22:00-06:00` includes Saturday 02:00, not Friday 02:00.
 */
export function inTimeWindow(window: TimeWindow, local: LocalTime): boolean {
  if (!window.hours) return dayMatches(window, local.weekday, local.date);
  for (const range of window.hours) {
    if (range.from < range.to) {
      if (local.minutes >= range.from && local.minutes < range.to && dayMatches(window, local.weekday, local.date)) return true;
    } else {
      if (local.minutes >= range.from && dayMatches(window, local.weekday, local.date)) return true;
      if (local.minutes < range.to) {
        const before = previousDay(local);
        if (dayMatches(window, before.weekday, before.date)) return true;
      }
    }
  }
  return false;
}

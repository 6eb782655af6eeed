import { error, warning, type Diagnostic, type DiagnosticCode } from '../diagnostics/diagnostic.js';
import { zonedClock, type DateRange, type HourRange, type TimeWindow, type ZonedClock } from '../engine/time-window.js';
import type { TimeWindow as TimeWindowSource } from '../types/generated/rules.js';
import { didYouMean } from '../text/suggest.js';
import { parseDateRange } from './calendar-dates.js';
import type { Calendars } from './compile-calendars.js';
import type { ParsedFile, YamlPath } from '../source/parse-yaml.js';

export interface TimeContext {
  parsed: ParsedFile;
  diagnostics: Diagnostic[];
  calendars: Calendars;
  /** One clock per timezone for the whole rule set: the Intl formatter is built once. */
  clocks: Map<string, ZonedClock>;
}

export const DAY_NAMES: Readonly<Record<string, number>> = {
  sun: 0,
  sunday: 0,
  mon: 1,
  monday: 1,
  tue: 2,
  tuesday: 2,
  wed: 3,
  wednesday: 3,
  thu: 4,
  thursday: 4,
  fri: 5,
  friday: 5,
  sat: 6,
  saturday: 6,
};
const SHORT_DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** `time:` — one window or a list of them — with every name, day and hour checked at load. */
export function compileTime(source: TimeWindowSource | readonly TimeWindowSource[], path: YamlPath, ctx: TimeContext): TimeWindow[] {
  if (Array.isArray(source)) return source.map((w, i) => compileWindow(w, [...path, i], ctx));
  return [compileWindow(source as TimeWindowSource, path, ctx)];
}

function compileWindow(source: TimeWindowSource, path: YamlPath, ctx: TimeContext): TimeWindow {
  const report = (code: DiagnosticCode, message: string, at: YamlPath) => ctx.diagnostics.push(error(code, message, { file: ctx.parsed.file, ...ctx.parsed.locate(at) }));
  const window: { -readonly [K in keyof TimeWindow]: TimeWindow[K] } = { clock: clockFor(source.timezone, [...path, 'timezone'], ctx, report) };

  if (source.days !== undefined) {
    const days = new Set<number>();
    eachText(source.days, [...path, 'days'], (text, at) => {
      for (const token of text.split(',')) {
        const problem = addDays(token.trim(), days);
        if (problem) report('bad-days', problem, at);
      }
    });
    window.days = days;
  }
  if (source.hours !== undefined) {
    const hours: HourRange[] = [];
    eachText(source.hours, [...path, 'hours'], (text, at) => {
      const range = parseHours(text);
      if (typeof range === 'string') report('bad-hours', range, at);
      else hours.push(range);
    });
    window.hours = hours;
  }
  if (source.dates !== undefined) {
    const dates: DateRange[] = [];
    eachText(source.dates, [...path, 'dates'], (text, at) => {
      const range = parseDateRange(text);
      if (range.ok) dates.push({ from: range.from, to: range.to });
      else report('bad-date', range.message, at);
    });
    window.dates = dates;
  }
  for (const key of ['calendar', 'except'] as const) {
    const names = source[key];
    if (names === undefined) continue;
    const dates = new Set<string>();
    eachText(names, [...path, key], (name, at) => {
      const calendar = ctx.calendars.get(name);
      if (!calendar) report('unknown-calendar', ctx.calendars.unknownMessage(name), at);
      else for (const d of calendar) dates.add(d);
    });
    window[key] = dates;
  }
  return window;
}

function eachText(value: string | readonly string[], path: YamlPath, visit: (text: string, at: YamlPath) => void): void {
  if (Array.isArray(value)) value.forEach((v, i) => visit(v, [...path, i]));
  else visit(value as string, path);
}

type Report = (code: DiagnosticCode, message: string, at: YamlPath) => void;

function clockFor(timezone: string, at: YamlPath, ctx: TimeContext, report: Report): ZonedClock {
  const known = ctx.clocks.get(timezone);
  if (known) return known;
  // Fixed offsets ignore daylight saving, which is the mistake a timezone name prevents.
  const isOffset = /^[+-]\d/.test(timezone.trim());
  try {
    if (isOffset) throw new RangeError('offset');
    const clock = zonedClock(timezone);
    ctx.clocks.set(timezone, clock);
    if (!knownTimezoneSet().has(timezone)) ctx.diagnostics.push(warning('old-timezone-name', oldNameMessage(timezone), { file: ctx.parsed.file, ...ctx.parsed.locate(at) }));
    return clock;
  } catch {
    const hint = didYouMean(timezone, Intl.supportedValuesOf('timeZone'));
    report('bad-timezone', `\`${timezone}\` is not a timezone${hint || ': use an IANA timezone name like Asia/Singapore, Europe/London or America/New_York'}`, at);
    return zonedClock('UTC');
  }
}

/**
 * The timezone names editors are offered (the published schema's enum): the IANA names this
 * Node.js lists, UTC, and the current names of zones its data still lists under an older one
 * (Asia/Kolkata for Asia/Calcutta). Names the runtime accepts beyond these (US/Eastern, utc)
 * work, with a warning that names the one to write, so the editor and validate both flag them.
 */
export function knownTimezones(): string[] {
  known ??= [...new Set([...Intl.supportedValuesOf('timeZone'), 'UTC', ...CURRENT_NAMES.filter(accepted)])].sort();
  return known;
}
let known: string[] | undefined;
let knownSet: Set<string> | undefined;
const knownTimezoneSet = () => (knownSet ??= new Set(knownTimezones()));

const CURRENT_NAMES = [
  'Africa/Asmara',
  'America/Argentina/Buenos_Aires',
  'America/Argentina/Catamarca',
  'America/Argentina/Cordoba',
  'America/Argentina/Jujuy',
  'America/Argentina/Mendoza',
  'America/Atikokan',
  'America/Indiana/Indianapolis',
  'America/Kentucky/Louisville',
  'America/Nuuk',
  'Asia/Ho_Chi_Minh',
  'Asia/Kathmandu',
  'Asia/Kolkata',
  'Asia/Yangon',
  'Atlantic/Faroe',
  'Europe/Kyiv',
  'Pacific/Chuuk',
  'Pacific/Kanton',
  'Pacific/Pohnpei',
];

function accepted(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

function oldNameMessage(timezone: string): string {
  const current = new Intl.DateTimeFormat('en', { timeZone: timezone }).resolvedOptions().timeZone;
  return current !== timezone && knownTimezoneSet().has(current)
    ? `\`${timezone}\` is an old name for ${current}: write \`timezone: ${current}\` (editors offer only the current names)`
    : `\`${timezone}\` works, but it is not one of the IANA timezone names editors offer: write the current name, like Asia/Singapore or America/New_York`;
}

/** Adds "mon", "monday" or a range "mon-fri" (wrapping: "fri-mon") to `days`; returns a problem or nothing. */
function addDays(token: string, days: Set<number>): string | undefined {
  const dayOf = (name: string): number | undefined => DAY_NAMES[name.trim().toLowerCase()];
  const unknown = (name: string) => `\`${name.trim()}\` is not a day${didYouMean(name.trim(), SHORT_DAYS) || `: use ${SHORT_DAYS.join(', ')}`}; a range is written mon-fri`;
  if (token === '') return 'empty day: write days like mon-fri or "sat,sun"';
  const [from, to, ...extra] = token.split('-');
  if (extra.length > 0) return `"${token}" is not a day or a range like mon-fri`;
  const start = dayOf(from!);
  if (start === undefined) return unknown(from!);
  if (to === undefined) {
    days.add(start);
    return undefined;
  }
  const end = dayOf(to);
  if (end === undefined) return unknown(to);
  for (let d = start; ; d = (d + 1) % 7) {
    days.add(d);
    if (d === end) break;
  }
  return undefined;
}

/** "09:00-18:00" → minutes; "22:00-06:00" runs overnight; "24:00" may end a range. A string is a problem. */
function parseHours(text: string): HourRange | string {
  const m = /^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$/.exec(text);
  const example = 'write hours as HH:MM-HH:MM on a 24-hour clock, like "09:00-18:00" or "22:00-06:00"';
  if (!m) return `"${text}" is not a time range: ${example}`;
  const from = Number(m[1]) * 60 + Number(m[2]);
  const to = Number(m[3]) * 60 + Number(m[4]);
  const valid = (h: number, min: number, end: boolean) => min < 60 && (h < 24 || (end && h === 24 && min === 0));
  if (!valid(Number(m[1]), Number(m[2]), false) || !valid(Number(m[3]), Number(m[4]), true)) return `"${text}" has a time that does not exist: ${example}`;
  if (from === to) return `"${text}" starts and ends at the same time; for the whole day leave \`hours\` out`;
  return { from, to };
}

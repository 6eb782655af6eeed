import { error, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { Settings } from '../types/generated/settings.js';
import { didYouMean } from '../text/suggest.js';
import { datesBetween, daysInRange, parseDateRange } from './calendar-dates.js';
import type { ParsedFile } from '../source/parse-yaml.js';

/** A range longer than this is almost certainly a typo in the year (2026-01-01..2062-01-01). */
const MAX_RANGE_DAYS = 366;

/** The `calendars:` of settings.yaml, each expanded once to a set of dates (YYYY-MM-DD). */
export class Calendars {
  private constructor(private readonly byName: ReadonlyMap<string, ReadonlySet<string>>) {}

  static compile(calendars: Settings['calendars'], parsed: ParsedFile | undefined, diagnostics: Diagnostic[]): Calendars {
    const byName = new Map<string, ReadonlySet<string>>();
    for (const [name, entries] of Object.entries(calendars ?? {})) {
      const dates = new Set<string>();
      (entries ?? []).forEach((entry, i) => {
        const report = (message: string) => {
          if (parsed) diagnostics.push(error('bad-date', message, { file: parsed.file, ...parsed.locate(['calendars', name, i]) }));
        };
        const range = parseDateRange(entry);
        if (!range.ok) return report(range.message);
        const length = daysInRange(range.from, range.to);
        if (length > MAX_RANGE_DAYS) return report(`the range "${entry}" is ${length} days long; a calendar range may cover at most ${MAX_RANGE_DAYS} days`);
        for (const d of datesBetween(range.from, range.to, MAX_RANGE_DAYS)) dates.add(d);
      });
      byName.set(name, dates);
    }
    return new Calendars(byName);
  }

  get(name: string): ReadonlySet<string> | undefined {
    return this.byName.get(name);
  }

  unknownMessage(name: string): string {
    const names = [...this.byName.keys()];
    const hint = didYouMean(name, names);
    if (hint) return `unknown calendar \`${name}\`${hint}`;
    return names.length === 0 ? `unknown calendar \`${name}\`: define it under \`calendars:\` in settings.yaml` : `unknown calendar \`${name}\`; calendars in settings.yaml: ${names.join(', ')}`;
  }
}

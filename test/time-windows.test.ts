import { describe, expect, it } from 'vitest';
import { build, mustBuild, ruleFor, VOICE, where } from './helpers/routing-build.js';

const settings = `${VOICE}
calendars:
  sg-holidays:
    - 2026-08-09
    - 2026-12-24..2026-12-26
`;

function rulesWith(time: string): string {
  return `rules:
  - id: in-window
    when:
      time: ${time}
    then:
      - hangup
`;
}

/** Whether a call at `at` (an instant) falls in the time window written as YAML flow text. */
function inWindow(time: string, at: string): boolean {
  const ruleSet = mustBuild({ settings, rules: { 'r.yaml': rulesWith(time) } });
  return ruleFor(ruleSet, {}, new Date(at)) === 'in-window';
}

const SG_OFFICE = '{ timezone: Asia/Singapore, days: mon-fri, hours: "09:00-18:00", except: sg-holidays }';

describe('time conditions', () => {
  // 2026-11-23 is a Monday. Singapore is UTC+8 all year.
  it.each([
    ['Monday 09:00 Singapore is open', SG_OFFICE, '2026-11-23T01:00:00Z', true],
    ['Monday 08:59 Singapore is not yet open', SG_OFFICE, '2026-11-23T00:59:00Z', false],
    ['Monday 17:59 Singapore is open', SG_OFFICE, '2026-11-23T09:59:00Z', true],
    ['Monday 18:00 Singapore is closed (the end is exclusive)', SG_OFFICE, '2026-11-23T10:00:00Z', false],
    ['Saturday noon Singapore is closed', SG_OFFICE, '2026-11-28T04:00:00Z', false],
    ['Friday 17:00 UTC is already Saturday in Singapore: closed', SG_OFFICE, '2026-11-27T17:00:00Z', false],
    ['a holiday (Christmas Eve, a Thursday) is closed', SG_OFFICE, '2026-12-24T02:00:00Z', false],
    ['the last day of a holiday range is closed', SG_OFFICE, '2026-12-26T02:00:00Z', false],
    ['the day after a holiday range is open', SG_OFFICE, '2026-12-28T02:00:00Z', true],
    ['overnight 22:00-06:00 includes 23:30', '{ timezone: Asia/Singapore, hours: "22:00-06:00" }', '2026-11-23T15:30:00Z', true],
    ['overnight 22:00-06:00 includes 05:59', '{ timezone: Asia/Singapore, hours: "22:00-06:00" }', '2026-11-23T21:59:00Z', true],
    ['overnight 22:00-06:00 excludes 06:00', '{ timezone: Asia/Singapore, hours: "22:00-06:00" }', '2026-11-23T22:00:00Z', false],
    ['overnight 22:00-06:00 excludes noon', '{ timezone: Asia/Singapore, hours: "22:00-06:00" }', '2026-11-23T04:00:00Z', false],
    ['Friday night 02:00 Saturday belongs to Friday', '{ timezone: Asia/Singapore, days: fri, hours: "22:00-06:00" }', '2026-11-27T18:00:00Z', true],
    ['Friday 02:00 belongs to Thursday night, not Friday', '{ timezone: Asia/Singapore, days: fri, hours: "22:00-06:00" }', '2026-11-26T18:00:00Z', false],
    ['a list of hours matches either range', '{ timezone: Asia/Singapore, hours: ["09:00-12:00", "13:00-18:00"] }', '2026-11-23T06:00:00Z', true],
    ['a list of hours leaves the lunch gap out', '{ timezone: Asia/Singapore, hours: ["09:00-12:00", "13:00-18:00"] }', '2026-11-23T04:30:00Z', false],
    ['"sat,sun" matches Sunday', '{ timezone: Asia/Singapore, days: "sat,sun" }', '2026-11-29T04:00:00Z', true],
    ['a wrapping day range fri-mon matches Sunday', '{ timezone: Asia/Singapore, days: fri-mon }', '2026-11-29T04:00:00Z', true],
    ['a wrapping day range fri-mon excludes Wednesday', '{ timezone: Asia/Singapore, days: fri-mon }', '2026-11-25T04:00:00Z', false],
    ['dates: a single date matches all day', '{ timezone: Asia/Singapore, dates: 2026-12-31 }', '2026-12-31T15:59:00Z', true],
    ['dates: the next local day does not', '{ timezone: Asia/Singapore, dates: 2026-12-31 }', '2026-12-31T16:00:00Z', false],
    ['calendar: only on the calendar days', '{ timezone: Asia/Singapore, calendar: sg-holidays }', '2026-08-09T10:00:00Z', true],
    ['calendar: not on other days', '{ timezone: Asia/Singapore, calendar: sg-holidays }', '2026-08-10T10:00:00Z', false],
    ['a list of windows matches any of them', '[{ timezone: Asia/Singapore, days: sat }, { timezone: Europe/London, days: sun }]', '2026-11-29T12:00:00Z', true],
  ])('%s', (_name, time, at, expected) => {
    expect(inWindow(time, at)).toBe(expected);
  });
});

describe('time conditions across daylight saving (America/New_York)', () => {
  const NY = '{ timezone: America/New_York, hours: "09:00-17:00" }';
  it.each([
    // Before 2026-03-08 New York is UTC-5; after, UTC-4.
    ['13:00Z on Friday 6 March is 08:00 EST: closed', '2026-03-06T13:00:00Z', false],
    ['14:00Z on Friday 6 March is 09:00 EST: open', '2026-03-06T14:00:00Z', true],
    ['13:00Z on Monday 9 March is 09:00 EDT: open', '2026-03-09T13:00:00Z', true],
    ['21:00Z on Monday 9 March is 17:00 EDT: closed', '2026-03-09T21:00:00Z', false],
    ['21:30Z on Friday 30 October is 17:30 EDT: closed', '2026-10-30T21:30:00Z', false],
    ['21:30Z on Monday 2 November is 16:30 EST: open', '2026-11-02T21:30:00Z', true],
  ])('%s', (_name, at, expected) => {
    expect(inWindow(NY, at)).toBe(expected);
  });

  it.each([
    // The clocks jump from 01:59:59 EST to 03:00 EDT at 07:00Z on 8 March: 02:xx never happens.
    ['01:59 EST is before the skipped hour', '2026-03-08T06:59:00Z', false],
    ['07:00Z is already 03:00 EDT', '2026-03-08T07:00:00Z', true],
    ['08:00Z is 04:00 EDT', '2026-03-08T08:00:00Z', false],
  ])('the spring-forward night: %s', (_name, at, expected) => {
    expect(inWindow('{ timezone: America/New_York, hours: "03:00-04:00" }', at)).toBe(expected);
  });

  it.each([
    // 01:xx happens twice on 1 November: 05:30Z (EDT) and 06:30Z (EST).
    ['the first 01:30 (EDT)', '2026-11-01T05:30:00Z', true],
    ['the second 01:30 (EST)', '2026-11-01T06:30:00Z', true],
    ['02:30 EST', '2026-11-01T07:30:00Z', false],
  ])('the fall-back night: %s is in 01:00-02:00', (_name, at, expected) => {
    expect(inWindow('{ timezone: America/New_York, hours: "01:00-02:00" }', at)).toBe(expected);
  });
});

describe('time conditions are checked when the rules load', () => {
  it.each([
    ['a timezone typo gets a suggestion', '{ timezone: Asia/Singapur }', 'bad-timezone', /did you mean `Asia\/Singapore`/, 'r.yaml:4:25'],
    ['a fixed offset is not a timezone', '{ timezone: "+08:00" }', 'bad-timezone', /IANA timezone name/, 'r.yaml:4:25'],
    ['an unknown day', '{ timezone: UTC, days: mon-fir }', 'bad-days', /`fir` is not a day; did you mean `fri`/, 'r.yaml:4:36'],
    ['hours without a dash', '{ timezone: UTC, hours: "09:00" }', 'bad-hours', /not a time range/, 'r.yaml:4:37'],
    ['an hour that does not exist', '{ timezone: UTC, hours: "09:00-25:00" }', 'bad-hours', /does not exist/, 'r.yaml:4:37'],
    ['an empty time range', '{ timezone: UTC, hours: "09:00-09:00" }', 'bad-hours', /starts and ends at the same time/, 'r.yaml:4:37'],
    ['a date that does not exist', '{ timezone: UTC, dates: 2026-02-30 }', 'bad-date', /"2026-02-30" is not a date/, 'r.yaml:4:37'],
    ['a backwards date range', '{ timezone: UTC, dates: 2026-12-31..2026-12-01 }', 'bad-date', /ends before it starts/, 'r.yaml:4:37'],
    ['an unknown calendar gets a suggestion', '{ timezone: UTC, except: sg-holiday }', 'unknown-calendar', /unknown calendar `sg-holiday`; did you mean `sg-holidays`/, 'r.yaml:4:38'],
    ['a calendar in a list is pointed at', '{ timezone: UTC, calendar: [sg-holidays, my-holidays] }', 'unknown-calendar', /unknown calendar `my-holidays`/, 'r.yaml:4:54'],
  ])('%s', (_name, time, code, message, position) => {
    const result = build({ settings, rules: { 'r.yaml': rulesWith(time) } });
    expect(result.ruleSet).toBeUndefined();
    const d = result.diagnostics.find((x) => x.code === code);
    expect(d?.message).toMatch(message);
    expect(`${d?.file}:${d?.line}:${d?.col}`).toBe(position);
  });

  it.each([
    ['an old alias', 'US/Eastern', '`US/Eastern` is an old name for America/New_York: write `timezone: America/New_York` (editors offer only the current names)'],
    ['a lower-case name', 'utc', '`utc` is an old name for UTC: write `timezone: UTC` (editors offer only the current names)'],
  ])('accepts %s with a warning that names the one to write (the editor underlines it)', (_what, zone, message) => {
    const result = build({ settings, rules: { 'r.yaml': rulesWith(`{ timezone: ${zone} }`) } });
    expect(result.ruleSet).toBeDefined();
    expect(result.diagnostics.map((d) => `${d.severity} ${d.code} ${d.line}:${d.col} ${d.message}`)).toEqual([`warning old-timezone-name 4:25 ${message}`]);
  });

  it.each([['Asia/Singapore'], ['UTC'], ['Asia/Kolkata'], ['Europe/Kyiv'], ['America/Argentina/Buenos_Aires']])('accepts %s without a word', (zone) => {
    const result = build({ settings, rules: { 'r.yaml': rulesWith(`{ timezone: ${zone} }`) } });
    expect(result.diagnostics).toEqual([]);
  });

  it('reports a bad date in a calendar at its line in settings.yaml', () => {
    const result = build({ settings: `${VOICE}calendars:\n  sg-holidays:\n    - 2026-08-09\n    - 2026-13-01\n`, rules: { 'r.yaml': rulesWith('{ timezone: UTC }') } });
    expect(where(result)).toEqual(['settings.yaml:5:7: bad-date']);
  });

  it('suggests the right name for a misspelt part of a time window', () => {
    const result = build({ settings, rules: { 'r.yaml': rulesWith('{ timezone: UTC, day: mon }') } });
    expect(result.diagnostics.map((d) => `${d.line}:${d.col}: ${d.message}`)).toEqual(['4:30: unknown field `day`; did you mean `days`?']);
  });

  it('requires a timezone', () => {
    const result = build({ settings, rules: { 'r.yaml': rulesWith('{ days: mon-fri }') } });
    expect(result.diagnostics[0]?.code).toBe('missing-field');
    expect(result.diagnostics[0]?.message).toMatch(/`timezone` is missing/);
  });

  it('builds one formatter per timezone, shared by every rule using it', () => {
    const rules = `rules:
  - id: a
    when: { time: { timezone: Asia/Singapore, days: mon } }
    then: [hangup]
  - id: b
    when: { time: { timezone: Asia/Singapore, days: tue } }
    then: [hangup]
`;
    const ruleSet = mustBuild({ settings, rules: { 'r.yaml': rules } });
    const clocks = ruleSet.rules.map((r) => (r.conditions[0]?.kind === 'time' ? r.conditions[0].windows[0]?.clock : undefined));
    expect(clocks[0]).toBeDefined();
    expect(clocks[0]).toBe(clocks[1]);
  });
});

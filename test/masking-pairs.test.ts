import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadRules } from '../src/rules/load-rules.js';
import { parseCsv } from '../src/source/parse-csv.js';
import { build, call, mustBuild, ruleFor, VOICE, where } from './helpers/routing-build.js';

describe('parseCsv', () => {
  it.each([
    ['plain values, trimmed', 'a, b ,c', [['a', 'b', 'c']]],
    ['an empty last value', 'a,b,', [['a', 'b', '']]],
    ['quoted values with a comma inside', '"+65 9123, 4567",b', [['+65 9123, 4567', 'b']]],
    ['a doubled quote inside quotes', '"say ""hi""",b', [['say "hi"', 'b']]],
    [
      'CRLF line ends',
      'a,b\r\nc,d\r\n',
      [
        ['a', 'b'],
        ['c', 'd'],
      ],
    ],
    ['blank lines and # comments are skipped', '# note\n\na,b\n  # indented note\n', [['a', 'b']]],
    ["Excel's byte-order mark is dropped", '\ufeffa,b', [['a', 'b']]],
  ])('reads %s', (_name, text, expected) => {
    const result = parseCsv(text);
    expect(result.problems).toEqual([]);
    expect(result.rows.map((r) => r.cells.map((c) => c.value))).toEqual(expected);
  });

  it('gives each cell its line and column', () => {
    const { rows } = parseCsv('# header next\nvirtualNumber,partyA\nvn-1,"+6591234567"\n');
    expect(rows[1]?.cells.map((c) => `${c.line}:${c.col}`)).toEqual(['3:1', '3:6']);
  });

  it.each([
    ['an unclosed quote', 'a,"b\n', '1:3', /not closed/],
    ['text after a closing quote', '"a"x,b', '1:4', /after a closing quote/],
    ['a quote in the middle of a value', 'a,b"c', '1:4', /quote may only start a value/],
  ])('reports %s with its position', (_name, text, position, message) => {
    const { problems } = parseCsv(text);
    expect(problems).toHaveLength(1);
    expect(`${problems[0]?.line}:${problems[0]?.col}`).toBe(position);
    expect(problems[0]?.message).toMatch(message);
  });
});

const MASKING = `rules:
  - id: masked
    when:
      destinationRefId: vn-ref-1
    then:
      - say: "Connecting you."
      - makeCall: other-party
    else:
      - say: "This number is not in use."
      - hangup
  - id: by-number
    when:
      destination: "+6568332049"
    then:
      - makeCall: { destination: other-party, callRecording: true }
  - id: everyone-else
    then:
      - hangup
`;

const PAIRS = `virtualNumber,partyA,partyB,expires
vn-ref-1,+6591110001,+6592220001,2026-12-31T23:59:00+08:00
vn-ref-1,+65 9111 0002,+6592220002,
+6568332049,+6591110001,+6593330001,
`;

const BEFORE_EXPIRY = new Date('2026-12-31T15:58:00Z');
const AFTER_EXPIRY = new Date('2026-12-31T15:59:00Z');

describe('masking pairs', () => {
  const ruleSet = mustBuild({ settings: VOICE, rules: { 'r.yaml': MASKING }, pairs: { 'pairs/p.csv': PAIRS } });

  it.each([
    ['party A reaches party B', { destinationRefId: 'vn-ref-1', source: '+6591110001' }, BEFORE_EXPIRY, 'masked', '+6592220001'],
    ['party B reaches party A', { destinationRefId: 'vn-ref-1', source: '+6592220001' }, BEFORE_EXPIRY, 'masked', '+6591110001'],
    ['a number written with spaces in the table matches', { destinationRefId: 'vn-ref-1', source: '+6591110002' }, AFTER_EXPIRY, 'masked', '+6592220002'],
    ['a pair without expiry works at any time', { destinationRefId: 'vn-ref-1', source: '+6592220002' }, new Date('2099-01-01T00:00:00Z'), 'masked', '+6591110002'],
    ['the same caller has another pair on another virtual number', { destinationRefId: 'other', destination: '+6568332049', source: '+6591110001' }, BEFORE_EXPIRY, 'by-number', '+6593330001'],
  ])('%s', (_name, fields, now, rule, peer) => {
    const d = call(ruleSet, fields, now);
    expect(d.outcome).toBe('matched');
    expect(d.outcome === 'matched' && d.ruleId).toBe(rule);
    expect(d.outcome === 'matched' && d.branch).toBeUndefined();
    const makeCall = d.response.callflow.find((a) => a.action === 'makeCall');
    expect(makeCall?.action === 'makeCall' && makeCall.params.destination).toBe(peer);
  });

  it("calls from the virtual number, so neither party sees the other's number", () => {
    const d = call(ruleSet, { destinationRefId: 'vn-ref-1', destination: '+6568332048', source: '+6591110001' }, BEFORE_EXPIRY);
    expect(d.response.callflow).toEqual([
      { action: 'say', params: { text: 'Connecting you.', voiceProfile: 'en-US-ZiraRUS' } },
      { action: 'makeCall', params: { source: '+6568332048', destination: '+6592220001' } },
    ]);
  });

  it.each([
    ['the pair has expired', { destinationRefId: 'vn-ref-1', source: '+6591110001' }, AFTER_EXPIRY],
    ['the caller has no pair on this number', { destinationRefId: 'vn-ref-1', source: '+6593330001' }, BEFORE_EXPIRY],
  ])('answers with `else` when %s', (_name, fields, now) => {
    const d = call(ruleSet, fields, now);
    expect(d.outcome === 'matched' && [d.ruleId, d.branch]).toEqual(['masked', 'else']);
    expect(d.response.callflow.map((a) => a.action)).toEqual(['say', 'hangup']);
  });

  it('goes on to the next rule when a rule without `else` finds no pair', () => {
    expect(ruleFor(ruleSet, { destinationRefId: 'other', destination: '+6568332049', source: '+6592220001' }, BEFORE_EXPIRY)).toBe('everyone-else');
  });
});

function pairErrors(pairs: string): string[] {
  const result = build({ settings: VOICE, rules: { 'r.yaml': MASKING }, pairs: { 'p.csv': pairs } });
  expect(result.ruleSet).toBeUndefined();
  return result.diagnostics.map((d) => `${d.file}:${d.line}:${d.col}: ${d.code}: ${d.message}`);
}

describe('pairs tables are checked when the rules load', () => {
  const HEADER = 'virtualNumber,partyA,partyB,expires\n';
  it.each([
    ['the same party twice', `${HEADER}vn-1,+6591110001,+65 9111 0001,\n`, /^p\.csv:2:18: pair-same-party: .*same number \(\+6591110001\)/],
    [
      'a second pair for a party on the same virtual number',
      `${HEADER}vn-1,+6591110001,+6592220001,\nvn-1,+6593330001,+6591110001,\n`,
      /^p\.csv:3:18: duplicate-pair: \+6591110001 already has a pair on vn-1 \(p\.csv:2\)/,
    ],
    ['an expiry without a timezone offset', `${HEADER}vn-1,+6591110001,+6592220001,2026-12-31T23:59:00\n`, /^p\.csv:2:30: bad-expiry: .*like 2026-12-31T23:59:00\+08:00/],
    ['an expiry on a day that does not exist', `${HEADER}vn-1,+6591110001,+6592220001,2026-02-30T10:00:00Z\n`, /^p\.csv:2:30: bad-expiry/],
    ['a party that is not a phone number', `${HEADER}vn-1,+6591110001,driver-7,\n`, /^p\.csv:2:18: bad-phone-number: "driver-7" is not a phone number/],
    ['a virtual number that is neither a number nor an id', `${HEADER}vn 1,+6591110001,+6592220001,\n`, /^p\.csv:2:1: bad-value: "vn 1" is not a virtual number/],
    ['an empty party', `${HEADER}vn-1,+6591110001,,\n`, /^p\.csv:2:18: missing-column: `partyB` is empty/],
    ['a row with too many values', `${HEADER}vn-1,+6591110001,+6592220001,,extra\n`, /^p\.csv:2:31: bad-csv: this row has 5 values but the header has 4 columns/],
    ['a misspelt column', 'virtualNumber,partyA,partyB,expiry\n', /^p\.csv:1:29: unknown-column: unknown column `expiry`; did you mean `expires`\?/],
    ['a spreadsheet saved with semicolons', 'virtualNumber;partyA;partyB\n', /^p\.csv:1:1: unknown-column: unknown column `virtualNumber;partyA;partyB`; separate the columns with commas, not semicolons/],
    ['a missing column', 'virtualNumber,partyA\n', /^p\.csv:1:1: missing-column: the header has no `partyB` column/],
    ['an empty table', '# nothing yet\n', /^p\.csv:1:1: missing-column: this pairs table is empty/],
  ])('%s', (_name, csv, expected) => {
    const errors = pairErrors(csv);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(expected);
  });

  it('lists the first 20 problems of a broken table and counts the rest', () => {
    const rows = Array.from({ length: 50 }, (_, i) => `vn-1,+659111${String(i).padStart(4, '0')},oops,`).join('\n');
    const errors = pairErrors(`virtualNumber,partyA,partyB\n${rows}\n`);
    expect(errors).toHaveLength(21);
    expect(errors[20]).toMatch(/30 more problems in this pairs table are not shown/);
  });

  it('does not allow `other-party` in `else` or in the fallback', () => {
    const rules = `rules:
  - id: r
    then: [{ makeCall: other-party }]
    else: [{ makeCall: other-party }]
`;
    const result = build({ settings: `${VOICE}fallback:\n  - makeCall: other-party\n`, rules: { 'r.yaml': rules } });
    expect(where(result)).toEqual(['r.yaml:4:24: other-party-not-allowed', 'settings.yaml:3:15: other-party-not-allowed']);
  });

  it('suggests `other-party` for a near miss', () => {
    const result = build({ settings: VOICE, rules: { 'r.yaml': 'rules:\n  - id: r\n    then: [{ makeCall: other-pary }]\n' } });
    expect(result.diagnostics[0]?.message).toMatch(/did you mean `other-party`\?/);
  });

  it('warns that `else` is never used when `then` does not call the other party', () => {
    const rules = 'rules:\n  - id: r\n    then: [hangup]\n    else: [hangup]\n';
    const result = build({ settings: VOICE, rules: { 'r.yaml': rules } });
    expect(result.ruleSet).toBeDefined();
    expect(result.diagnostics.map((d) => [d.code, d.severity, `${d.line}:${d.col}`])).toEqual([['else-without-other-party', 'warning', '4:5']]);
  });
});

describe('a pairs table on disk', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('is read from the rules folder, named in diagnostics, and changes the rule set version', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'routing-pairs-'));
    dirs.push(dir);
    await writeFile(join(dir, 'settings.yaml'), VOICE);
    await writeFile(join(dir, 'r.yaml'), MASKING);
    await mkdir(join(dir, 'pairs'));
    await writeFile(join(dir, 'pairs', 'rides.csv'), PAIRS);
    const first = await loadRules(dir);
    expect(first.ruleSet?.pairs?.size).toBe(6);

    await writeFile(join(dir, 'pairs', 'rides.csv'), `${PAIRS}vn-ref-1,+6591110009,+6591110009,\n`);
    const broken = await loadRules(dir);
    expect(broken.ruleSet).toBeUndefined();
    expect(broken.diagnostics.map((d) => `${d.file}:${d.line}`)).toEqual([`${join(dir, 'pairs/rides.csv')}:5`]);

    await writeFile(join(dir, 'pairs', 'rides.csv'), `${PAIRS}vn-ref-1,+6591110009,+6592220009,\n`);
    const changed = await loadRules(dir);
    expect(changed.ruleSet?.pairs?.size).toBe(8);
    expect(changed.ruleSet?.version).not.toBe(first.ruleSet?.version);
  });
});

describe('a 100k-row pairs table', () => {
  const rows = ['virtualNumber,partyA,partyB,expires'];
  for (let i = 0; i < 100_000; i++) {
    rows.push(`vn-ref-${i % 100},+659${String(i).padStart(7, '0')},+658${String(i).padStart(7, '0')},2099-01-01T00:00:00+08:00`);
  }
  const anyNumber = 'rules:\n  - id: masked\n    then: [{ makeCall: other-party }]\n    else: [hangup]\n';
  const ruleSet = mustBuild({ settings: VOICE, rules: { 'r.yaml': anyNumber }, pairs: { 'big.csv': `${rows.join('\n')}\n` } });

  it.each([0, 1, 50_000, 99_999])('connects the parties of row %i', (i) => {
    const d = call(ruleSet, { destinationRefId: `vn-ref-${i % 100}`, source: `+658${String(i).padStart(7, '0')}` }, BEFORE_EXPIRY);
    const makeCall = d.response.callflow.find((a) => a.action === 'makeCall');
    expect(d.outcome === 'matched' && d.branch).toBeUndefined();
    expect(makeCall?.action === 'makeCall' && makeCall.params.destination).toBe(`+659${String(i).padStart(7, '0')}`);
  });

  it('does not connect a party through a virtual number of another pair', () => {
    // Row 1 is on vn-ref-1, not vn-ref-2.
    const d = call(ruleSet, { destinationRefId: 'vn-ref-2', source: '+6580000001' }, BEFORE_EXPIRY);
    expect(d.outcome === 'matched' && d.branch).toBe('else');
  });
});

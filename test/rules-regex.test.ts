import { afterEach, describe, expect, it } from 'vitest';
import { build, buildOk, call, oneFile } from './helpers/rules.js';
import { removeDir, SETTINGS, startHarness, tempDir, writeFiles, type Harness } from './helpers/reload-harness.js';

const rule = (regex: string, field = 'dtmf') => oneFile(`  - id: a\n    when: { ${field}: { regex: ${JSON.stringify(regex)} } }\n    then: [hangup]\n`);

describe('a regex RE2 cannot run', () => {
  it.each([
    ['a backreference', '(\\d)\\1', 'unsupported-regex', 'a backreference (`\\1`)'],
    ['a named backreference', '(?<d>\\d)\\k<d>', 'unsupported-regex', 'a named backreference'],
    ['a lookahead', '^(?=1)\\d+$', 'unsupported-regex', 'a lookahead `(?=…)`'],
    ['a negative lookahead', '^(?!9)\\d+$', 'unsupported-regex', 'wrap a condition in `not:` instead'],
    ['a lookbehind', '(?<=\\+65)9', 'unsupported-regex', 'a lookbehind `(?<=…)`'],
    ['a negative lookbehind', '(?<!\\+)65', 'unsupported-regex', 'a negative lookbehind `(?<!…)`'],
  ])('rejects %s at load time, at the regex, in words', (_what, regex, code, words) => {
    const result = build(rule(regex));
    expect(result.ruleSet).toBeUndefined();
    const d = result.diagnostics.find((x) => x.severity === 'error');
    expect(d).toMatchObject({ code, file: 'rules.yaml', line: 3, col: 28 });
    expect(d!.message).toContain(words);
    expect(d!.message).toContain('RE2');
  });

  const NOT_VALID = '`regex` is not a valid regular expression';
  const PLUS = (rest: string) => `\`+\` means "repeat the thing before", and nothing comes before it; to match a plus sign write \`\\+\` (in double quotes in YAML: \`"^\\\\+${rest}"\`)`;
  const PHONE =
    'this looks like a phone number: for one number write it as a plain value (`source: "+6591234567"`), and for numbers that start the same way use `prefix:` (`source: { prefix: "+65" }`), which needs no escaping';
  it.each([
    ['a plus sign at the start', '+6591234567', 'source', `${NOT_VALID} (missing argument to repetition operator: \`+\`): ${PLUS('6591234567')}; ${PHONE}`],
    ['a plus sign after ^', '^+65', 'source', `${NOT_VALID} (a repeat sign right after \`^\`): ${PLUS('65')}; ${PHONE}`],
    ['an unclosed (', '^(\\d+$', 'dtmf', `${NOT_VALID} (missing closing ): \`^(\\d+$\`): a \`(\` is never closed: add the \`)\`, or write \`\\(\` to match a bracket itself`],
    ['a ) without (', '^\\d+)$', 'dtmf', `${NOT_VALID} (unexpected ): \`^\\d+)$\`): a \`)\` has no \`(\` before it: remove it, or write \`\\)\` to match a bracket itself`],
    ['an unclosed [', '^[12$', 'dtmf', `${NOT_VALID} (missing closing ]: \`[12$\`): a \`[\` is never closed: add the \`]\`, or write \`\\[\` to match a bracket itself`],
    [
      'an escape RE2 does not know',
      '^\\Z',
      'dtmf',
      `${NOT_VALID} (invalid escape sequence: \`\\Z\`): that \`\\\` escape does not exist in RE2, the syntax rule regexes use (https://github.com/google/re2/wiki/Syntax); \`\\d\` is a digit, \`\\+\` a plus sign, \`\\.\` a dot`,
    ],
    ['a doubled repeat sign', '^1++$', 'dtmf', `${NOT_VALID} (invalid nested repetition operator: \`++\`): two repeat signs in a row (like \`++\` or \`*+\`); keep one`],
    [
      'an unescaped dot in a number',
      '+65.9123',
      'source',
      `${NOT_VALID} (missing argument to repetition operator: \`+\`): ${PLUS('65.9123')}; ${PHONE}; an unescaped \`.\` matches any character; write \`\\.\` for a dot`,
    ],
  ])('explains %s with a hint, in these words', (_what, regex, field, message) => {
    const result = build(rule(regex, field));
    expect(result.diagnostics.filter((x) => x.severity === 'error').map(({ code, line, message }) => ({ code, line, message }))).toEqual([{ code: 'bad-regex', line: 3, message }]);
  });

  it.each([['^(\\d+)+#$'], ['^\\+65(\\d+)+$'], ['^(?:1|2)+$'], ['(?i)^sg$'], ['^\\d{1,1000}$']])('accepts %s (RE2 runs it in linear time)', (regex) => {
    expect(build(rule(regex)).diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });
});

describe('one pattern in many rules (each distinct pattern is compiled once)', () => {
  const twoRules = (first: string, second: string) =>
    oneFile([first, second, 'other'].map((field, i) => (field === 'other' ? `  - id: other\n    then: [hangup]\n` : `  - id: r${i}-${field}\n    when: { ${field}: { regex: "^sg$" } }\n    then: [hangup]\n`)).join(''));
  it.each([
    ['dtmf', 'sourceCountryCode'],
    ['sourceCountryCode', 'dtmf'],
  ])('keeps case sensitivity per field whichever comes first: %s, then %s', (first, second) => {
    const rules = buildOk(twoRules(first, second));
    // Country codes compare without case; DTMF text compares exactly.
    expect(call(rules, { sourceCountryCode: 'SG' }).ruleId).toBe(first === 'dtmf' ? 'r1-sourceCountryCode' : 'r0-sourceCountryCode');
    expect(call(rules, { sourceCountryCode: 'MY', eventData: { dtmf: 'SG' } }).ruleId).toBe('other');
    expect(call(rules, { sourceCountryCode: 'MY', eventData: { dtmf: 'sg' } }).ruleId).toBe(first === 'dtmf' ? 'r0-dtmf' : 'r1-dtmf');
  });
});

describe('patterns that freeze a backtracking engine, on the real app', () => {
  let harness: Harness | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await harness?.close();
    if (dir) await removeDir(dir);
    harness = undefined;
  });

  it.each([
    ['dtmf', '^(\\d+)+#$', { dtmf: `${'1'.repeat(40)}x` }, { dtmf: '1111#' }],
    ['source', '^\\+65(\\d+)+$', { source: `+65${'1'.repeat(28)}x` }, { source: '+6591234567' }],
  ])('answers at once for %s: %s (the next rule when it does not match, the rule when it does)', async (field, regex, evil, good) => {
    dir = await tempDir();
    const evilRule = `  - id: evil\n    when: { ${field}: { regex: ${JSON.stringify(regex)} } }\n    then:\n      - say: "regex rule"\n      - hangup\n`;
    await writeFiles(dir, { 'settings.yaml': SETTINGS, 'a.yaml': `rules:\n${evilRule}  - id: next\n    then:\n      - say: "next rule"\n      - hangup\n` });
    harness = await startHarness(dir, { watch: false });
    expect((evil[field as keyof typeof evil] as string).length).toBeGreaterThanOrEqual(32);
    expect(await harness.said(evil)).toEqual(['next rule']);
    expect(await harness.said(good)).toEqual(['regex rule']);
    const health = await harness.app.request('/healthz');
    expect(health.status).toBe(200);
  });
});

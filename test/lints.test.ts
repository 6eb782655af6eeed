import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { Lint } from '../src/lint/lint.js';
import { makeLintContext } from '../src/lint/lint-context.js';
import { makeCallSource } from '../src/lint/make-call-source.js';
import { menuKeyTooLong, menuNoExhausted, menuNoWayOut, unreachableMenu } from '../src/lint/menu-lints.js';
import { noCatchAll } from '../src/lint/no-catch-all.js';
import { regexSlip } from '../src/lint/regex-slip.js';
import { LINTS, runLints } from '../src/lint/run-lints.js';
import { sayTextMayBeEmpty } from '../src/lint/say-text-may-be-empty.js';
import { sayTextTooLong } from '../src/lint/say-text-too-long.js';
import { unknownVoiceProfile } from '../src/lint/unknown-voice-profile.js';
import { firstCoveringRules, takesEverythingOf, unreachableRule } from '../src/lint/unreachable-rule.js';
import { ruleSetOf, sources } from './helpers/build-in-memory.js';

const CATCH_ALL = '  - id: everyone-else\n    then: [hangup]\n';

function lint(l: Lint, files: Record<string, string>, settings?: string) {
  const src = sources(files, settings);
  return l.run(makeLintContext(ruleSetOf(src), src));
}

interface Row {
  lint: Lint;
  case: string;
  files: Record<string, string>;
  settings?: string;
  /** Expected warnings as `file:line:col message-fragment`; empty for the negative case. */
  warnings: string[];
}

const rows: Row[] = [
  // unreachable-rule
  {
    lint: unreachableRule,
    case: 'a rule after a catch-all',
    files: { 'a.yaml': `rules:\n${CATCH_ALL}  - id: sg\n    when: { sourceCountryCode: SG }\n    then: [hangup]\n` },
    warnings: ['a.yaml:4:5 rule `sg` can never match: rule `everyone-else` (a.yaml:2) comes first and has no `when`'],
  },
  {
    lint: unreachableRule,
    case: 'an earlier rule whose conditions are a subset (exact value in a broader prefix, extra condition)',
    files: {
      'a.yaml':
        'rules:\n  - id: sg-mobile\n    when: { source: { prefix: "+659" } }\n    then: [hangup]\n' + '  - id: vip\n    when: { source: "+6591234567", destinationRefId: vn-ref-1 }\n    then: [hangup]\n' + CATCH_ALL,
    },
    warnings: ['a.yaml:5:5 rule `vip` can never match: rule `sg-mobile` (a.yaml:2) comes first and takes every call this one would'],
  },
  {
    lint: unreachableRule,
    case: 'a longer prefix and a list of values already covered',
    files: {
      'a.yaml':
        'rules:\n  - id: sg\n    when: { source: [{ prefix: "+65" }, "+60123456789"] }\n    then: [hangup]\n' + '  - id: sg-mobile\n    when: { source: { prefix: ["+659", "+658"] } }\n    then: [hangup]\n' + CATCH_ALL,
    },
    warnings: ['a.yaml:5:5 rule `sg-mobile` can never match'],
  },
  {
    lint: unreachableRule,
    case: 'an earlier list of values that holds the later value',
    files: {
      'a.yaml': 'rules:\n  - id: both\n    when: { destinationRefId: [vn-1, vn-2] }\n    then: [hangup]\n' + '  - id: menu\n    when: { destinationRefId: vn-2, dtmf: "1" }\n    then: [hangup]\n' + CATCH_ALL,
    },
    warnings: ['a.yaml:5:5 rule `menu` can never match: rule `both` (a.yaml:2)'],
  },
  {
    lint: unreachableRule,
    case: 'rules that overlap only in part (negative)',
    files: {
      'a.yaml':
        'rules:\n  - id: vip\n    when: { source: "+6591234567", destinationRefId: vn-ref-1 }\n    then: [hangup]\n' +
        '  - id: sg-mobile\n    when: { source: { prefix: "+659" } }\n    then: [hangup]\n' +
        '  - id: not-sg\n    when: { sourceCountryCode: { not: SG } }\n    then: [hangup]\n' +
        '  - id: my\n    when: { sourceCountryCode: { regex: "^MY$" } }\n    then: [hangup]\n' +
        CATCH_ALL,
    },
    warnings: [],
  },
  // no-catch-all
  {
    lint: noCatchAll,
    case: 'no rule without `when`',
    files: { 'a.yaml': 'rules:\n  - id: sg\n    when: { sourceCountryCode: SG }\n    then: [hangup]\n' },
    warnings: ['a.yaml:2:5 no rule matches every call'],
  },
  {
    lint: noCatchAll,
    case: 'a last rule without `when` (negative)',
    files: { 'a.yaml': `rules:\n  - id: sg\n    when: { sourceCountryCode: SG }\n    then: [hangup]\n`, 'z.yaml': `rules:\n${CATCH_ALL}` },
    warnings: [],
  },
  // unknown-voice-profile
  {
    lint: unknownVoiceProfile,
    case: 'a misspelt voice in a say and an unknown one in settings',
    files: { 'a.yaml': `rules:\n  - id: hi\n    then:\n      - say: { text: Hello, voiceProfile: en-US-ZiraRU }\n${CATCH_ALL}` },
    settings: 'voiceProfile: en-XX-Nobody\n',
    warnings: ['a.yaml:4:43 voiceProfile "en-US-ZiraRU" is not a voice 8x8 is known to offer; did you mean `en-US-ZiraRUS`?', 'settings.yaml:1:15 voiceProfile "en-XX-Nobody"'],
  },
  {
    lint: unknownVoiceProfile,
    case: 'known voices in defaults, a say and settings (negative)',
    files: { 'a.yaml': `defaults: { voiceProfile: en-GB-Emma }\nrules:\n  - id: hi\n    then:\n      - say: { text: Hello, voiceProfile: da-DK-Naja }\n${CATCH_ALL}` },
    warnings: [],
  },
  // regex-slip
  ...(
    [
      [
        'a regex that is only a prefix',
        'source: { regex: "^\\\\+659" }',
        ['a.yaml:3:30 this regex only says "source starts with +659": write `source: { prefix: "+659" }`, which needs no escaping and is checked as a phone number'],
      ],
      [
        'a prefix regex with any digits after it',
        'destination: { regex: "^\\\\+6568\\\\d*" }',
        ['a.yaml:3:35 this regex only says "destination starts with +6568": write `destination: { prefix: "+6568" }`, which needs no escaping and is checked as a phone number'],
      ],
      [
        'an unescaped dot between digits',
        'source: { regex: "^\\\\+65.9123" }',
        ["a.yaml:3:30 the `.` in `^\\+65.9123` matches any character, and 8x8's numbers hold only + and digits: write `\\d` for any digit (`\\\\d` inside double quotes in YAML), or remove the dot"],
      ],
      ['a regex that says more than a prefix', 'source: { regex: "^\\\\+65[89]\\\\d{7}$" }', []],
      ['an escaped dot, and a regex on a field that is not a number', 'dtmf: { regex: "^1.2$" }', []],
    ] as const
  ).map(([what, when, warnings]): Row => ({ lint: regexSlip, case: what, files: { 'a.yaml': `rules:\n  - id: r\n    when: { ${when} }\n    then: [hangup]\n${CATCH_ALL}` }, warnings: [...warnings] })),
  // make-call-source-not-called-number
  {
    lint: makeCallSource,
    case: 'a caller ID other than the pinned destination',
    files: { 'a.yaml': `rules:\n  - id: vn\n    when: { destination: "+6568332048" }\n    then:\n      - makeCall: { destination: "+6587654321", source: "+6568332049" }\n${CATCH_ALL}` },
    warnings: ['a.yaml:5:57 makeCall source +6568332049 is not the number that was called (+6568332048)'],
  },
  {
    lint: makeCallSource,
    case: 'the pinned destination as caller ID, or a destination that cannot be known (negative)',
    files: {
      'a.yaml':
        'rules:\n  - id: vn\n    when: { destination: "+65 6833 2048" }\n    then:\n      - makeCall: { destination: "+6587654321", source: "+6568332048" }\n' +
        '  - id: ref\n    when: { destinationRefId: vn-ref-1 }\n    then:\n      - makeCall: { destination: "+6587654321", source: "+6568332049" }\n' +
        CATCH_ALL,
    },
    warnings: [],
  },
  // say-text-too-long
  {
    lint: sayTextTooLong,
    case: 'a text under 3000 characters that passes 3000 with its placeholders filled',
    files: { 'a.yaml': `rules:\n  - id: long\n    then:\n      - say: "${'a'.repeat(2950)} {{clientActionId}}"\n${CATCH_ALL}` },
    warnings: ['a.yaml:4:14 this say of rule `long` can be 3015 characters once {{clientActionId}} is filled in'],
  },
  {
    lint: sayTextTooLong,
    case: 'a long text with room for its placeholders (negative)',
    files: { 'a.yaml': `rules:\n  - id: long\n    then:\n      - say: "${'a'.repeat(2900)} {{source}}"\n${CATCH_ALL}` },
    warnings: [],
  },
  // say-text-may-be-empty
  {
    lint: sayTextMayBeEmpty,
    case: 'a say that is only a placeholder, in a rule and in the fallback',
    files: { 'a.yaml': `rules:\n  - id: echo\n    then:\n      - say: "{{dtmf}}"\n${CATCH_ALL}` },
    settings: 'voiceProfile: en-US-ZiraRUS\nfallback:\n  - say: " {{clientActionId}} "\n  - hangup\n',
    warnings: ['a.yaml:4:14 this say of rule `echo` is empty when the call has no {{dtmf}}', 'settings.yaml:3:10 this say of the fallback is empty when the call has no {{clientActionId}}'],
  },
  {
    lint: sayTextMayBeEmpty,
    case: 'words around the placeholder (negative)',
    files: { 'a.yaml': `rules:\n  - id: echo\n    then:\n      - say: "You pressed {{dtmf}}."\n${CATCH_ALL}` },
    warnings: [],
  },
  // menus
  ...menuRows(),
];

/** A rule that opens `main`, then menus (YAML under `menus:`). */
function menuFile(menus: string, opens = 'main'): Record<string, string> {
  return { 'm.yaml': `rules:\n  - id: line\n    then: [{ menu: ${opens} }]\nmenus:\n${menus}` };
}

function menuRows(): Row[] {
  const main = (options: string, extra = '    exhausted: [hangup]\n') => `  main:\n    prompt: "Press 1"\n    options:\n${options}${extra}`;
  const sub = (options: string, extra = '    exhausted: [hangup]\n') => `  sub:\n    prompt: "Press 2"\n    options:\n${options}${extra}`;
  return [
    { lint: unreachableMenu, case: 'a menu nothing opens', files: menuFile(main('      "1": hangup\n') + sub('      "2": hangup\n')), warnings: ['m.yaml:10:3 no caller can reach menu `sub`'] },
    { lint: unreachableMenu, case: 'a menu opened by another menu', files: menuFile(main('      "1": { menu: sub }\n') + sub('      "2": hangup\n')), warnings: [] },
    {
      lint: menuKeyTooLong,
      case: 'a key longer than the digits collected',
      files: menuFile(main('      "1": hangup\n      "12": hangup\n')),
      warnings: ['m.yaml:9:7 option "12" of menu `main` can never be chosen: the menu collects at most 1 key'],
    },
    { lint: menuKeyTooLong, case: 'keys within `digits`', files: menuFile(main('      "1": hangup\n      "12": hangup\n', '    digits: 2\n    exhausted: [hangup]\n')), warnings: [] },
    {
      lint: menuNoWayOut,
      case: 'two menus that only lead to each other',
      files: menuFile(main('      "1": { menu: sub }\n', '    exhausted: [{ menu: sub }]\n') + sub('      "0": back\n      "9": repeat\n', '    exhausted: [{ menu: main }]\n')),
      warnings: ['m.yaml:5:3 menu `main` has no way out', 'm.yaml:10:3 menu `sub` has no way out'],
    },
    {
      lint: menuNoWayOut,
      case: 'a loop with one option out',
      files: menuFile(main('      "1": { menu: sub }\n', '    exhausted: [{ menu: sub }]\n') + sub('      "0": back\n      "2": [{ makeCall: "+6561234567" }]\n', '    exhausted: [{ menu: main }]\n')),
      warnings: [],
    },
    { lint: menuNoExhausted, case: 'a menu without exhausted', files: menuFile(main('      "1": hangup\n', '')), warnings: ['m.yaml:5:3 menu `main` has no `exhausted`'] },
    { lint: menuNoExhausted, case: 'a menu with exhausted', files: menuFile(main('      "1": hangup\n')), warnings: [] },
    // The say-text lints read menus too: prompts, retry words, and the says of options, found and exhausted.
    {
      lint: sayTextMayBeEmpty,
      case: "a menu's prompt, words and option says that are only placeholders",
      files: menuFile(
        '  main:\n    prompt: "{{dtmf}}"\n    options:\n      "1": { say: "{{source}}" }\n      "2": [{ say: " " }, hangup]\n    noInput: { say: "{{dtmf}}" }\n    exhausted: [{ say: "{{dtmf}}" }, hangup]\n',
      ),
      warnings: [
        'm.yaml:6:13 the prompt of menu `main` is empty when the call has no {{dtmf}}',
        'm.yaml:10:21 the `noInput` say of menu `main` is empty',
        'm.yaml:8:19 this say of option "1" of menu `main` is empty when the call has no {{source}}',
        'm.yaml:9:20 this say of option "2" of menu `main` is empty for every call',
        'm.yaml:11:24 this say of `exhausted` of menu `main` is empty',
      ],
    },
    {
      lint: sayTextMayBeEmpty,
      case: 'a PIN menu whose wrong-PIN words and found say are only placeholders',
      files: menuFile('  main:\n    ask: pin\n    prompt: "Your code?"\n    invalid: { say: "{{dtmf}}" }\n    found: [{ say: "{{dtmf}}" }, { makeCall: other-party }]\n    exhausted: [hangup]\n'),
      warnings: ['m.yaml:8:21 the `invalid` say of menu `main` is empty', 'm.yaml:9:20 this say of `found` of menu `main` is empty'],
    },
    {
      lint: sayTextTooLong,
      case: 'a menu prompt that passes 3000 characters with its placeholders filled',
      files: menuFile(`  main:\n    prompt: "${'a'.repeat(2950)} {{clientActionId}}"\n    options: { "1": hangup }\n    exhausted: [hangup]\n`),
      warnings: ['m.yaml:6:13 the prompt of menu `main` can be 3015 characters'],
    },
    {
      lint: sayTextMayBeEmpty,
      case: "a rule's own sayAndCapture prompt that is only a placeholder",
      files: { 'a.yaml': `rules:\n  - id: ask\n    then:\n      - sayAndCapture: "{{dtmf}}"\n${CATCH_ALL}` },
      warnings: ['a.yaml:4:24 the sayAndCapture prompt of rule `ask` is empty when the call has no {{dtmf}}'],
    },
    { lint: sayTextMayBeEmpty, case: 'menus with words around their placeholders (negative)', files: menuFile(main('      "1": { say: "You pressed {{dtmf}}." }\n')), warnings: [] },
  ];
}

describe.each(rows)('lint $lint.code: $case', (row) => {
  it(row.warnings.length > 0 ? 'warns at the place to fix' : 'stays quiet', () => {
    const found = lint(row.lint, row.files, row.settings);
    expect(found.map((d) => d.severity)).toEqual(row.warnings.map(() => 'warning'));
    expect(found.map((d) => d.code)).toEqual(row.warnings.map(() => row.lint.code));
    found.forEach((d, i) => {
      const [where, ...words] = row.warnings[i]!.split(' ');
      expect(`${d.file}:${d.line}:${d.col}`).toBe(where);
      expect(d.message).toContain(words.join(' '));
    });
  });
});

describe('unreachable-rule on many rules', () => {
  // The indexed search must find exactly what comparing every pair finds.
  it('agrees with comparing every pair of rules', () => {
    const values: Record<string, readonly unknown[]> = {
      destinationRefId: ['vn-1', 'vn-2', ['vn-1', 'vn-2'], { prefix: 'vn-' }],
      sourceCountryCode: ['SG', 'MY', ['SG', 'MY'], { not: 'SG' }],
      dtmf: ['1', '2', { regex: '^[12]$' }],
    };
    let seed = 7;
    const pick = <T>(xs: readonly T[]): T => xs[(seed = (seed * 48271) % 2147483647) % xs.length]!;
    const lines = ['rules:'];
    for (let i = 0; i < 120; i++) {
      const when = Object.entries(values)
        .filter(() => pick([true, false, false]))
        .map(([f, vs]) => `${f}: ${JSON.stringify(pick(vs))}`);
      lines.push(`  - id: r${i}`, ...(when.length > 0 && i !== 119 ? [`    when: { ${when.join(', ')} }`] : []), '    then: [hangup]');
    }
    const src = sources({ 'a.yaml': `${lines.join('\n')}\n` });
    const rules = ruleSetOf(src).rules;
    const naive = rules.map((later, i) => rules.findIndex((e, k) => k < i && takesEverythingOf(e, later)));
    expect(firstCoveringRules(rules)).toEqual(naive);
    expect(naive.filter((j) => j >= 0).length).toBeGreaterThan(10);
  });
});

describe('the README', () => {
  it.each(LINTS.map((l) => l.code))('explains lint %s', async (code) => {
    expect(await readFile('README.md', 'utf8')).toContain(`| \`${code}\` |`);
  });
});

describe('all lints together', () => {
  it('find nothing in rules that route every call on purpose', () => {
    const src = sources({ 'a.yaml': `rules:\n  - id: sg\n    when: { sourceCountryCode: SG }\n    then:\n      - say: "Hello {{source}}"\n      - hangup\n${CATCH_ALL}` });
    expect(runLints(makeLintContext(ruleSetOf(src), src))).toEqual([]);
  });
});

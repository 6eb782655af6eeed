import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { validateCommand } from '../src/cli/validate-command.js';
import { checkRulesDir } from '../src/rule-tests/check-rules-dir.js';
import { parseRuleTests } from '../src/rule-tests/parse-rule-tests.js';
import { runRuleTests } from '../src/rule-tests/run-rule-tests.js';
import { ruleSetOf, sources } from './helpers/build-in-memory.js';
import { capture } from './helpers/capture.js';

const WRONG = 'test/fixtures/wrong-expectation/rules';

describe('the sample rules', () => {
  it('ship with rule tests that all pass', async () => {
    const checked = await checkRulesDir('rules', undefined);
    expect(checked.diagnostics).toEqual([]);
    expect(checked.testsFailed).toBe(0);
    expect(checked.testsPassed).toBeGreaterThanOrEqual(6);
    // Every sample rule is the expected answer of at least one test (menus: through their steps).
    const tested = new Set(checked.tests.flatMap((t) => [t.expect.rule, ...(t.steps ?? []).flatMap((s) => (s.rule ? [s.rule] : []))]));
    expect(
      checked
        .ruleSet!.rules.filter((r) => !r.menu)
        .map((r) => r.id)
        .filter((id) => !tested.has(id)),
    ).toEqual([]);
  });

  it('are not confused with their tests: rules/tests/ holds no rules', async () => {
    const checked = await checkRulesDir('rules', undefined);
    expect(checked.ruleSet!.files.some((f) => f.startsWith('tests/'))).toBe(false);
  });
});

describe('a deliberately wrong expectation', () => {
  it('makes validate exit 1 and print each miss with a readable diff', async () => {
    const out = capture();
    const err = capture();
    expect(await validateCommand([WRONG], out, err)).toBe(1);
    const expected = await readFile('test/fixtures/wrong-expectation/expected-output.txt', 'utf8');
    expect(err.text + out.text).toBe(expected);
  });
});

describe('rule test files', () => {
  const rules = sources({
    'a.yaml': 'rules:\n  - id: menu\n    when: { dtmf: "1" }\n    then:\n      - say: "You pressed {{dtmf}}."\n      - makeCall: "+6587654321"\n  - id: rest\n    then: [hangup]\n',
  });
  const run = (yaml: string) => {
    const parsed = parseRuleTests({ file: 'tests/t.yaml', text: yaml });
    return { parsed, result: parsed.tests.length > 0 ? runRuleTests(ruleSetOf(rules), parsed.tests) : undefined };
  };

  it.each([
    ['a number typed without quotes', 'tests:\n  - name: n\n    call: { dtmf: 1 }\n    expect: { rule: menu }\n'],
    [
      'an expected say with no voice, which accepts the rule’s voice',
      'tests:\n  - name: n\n    call: { dtmf: "1" }\n    expect:\n      rule: menu\n      callflow:\n        - say: "You pressed 1."\n        - makeCall: "+65 8765 4321"\n',
    ],
    ['a call no rule but the last takes', 'tests:\n  - name: n\n    call: { dtmf: "2" }\n    expect: { rule: rest }\n'],
  ])('pass for %s', (_, yaml) => {
    const { parsed, result } = run(yaml);
    expect(parsed.diagnostics).toEqual([]);
    expect(result).toMatchObject({ passed: 1, failed: 0, diagnostics: [] });
  });

  describe('the clock', () => {
    const clockRules = sources({ 'a.yaml': 'rules:\n  - id: clock\n    then:\n      - say: "It is {{timestamp}}."\n' });
    const clockTest = (at: string) =>
      parseRuleTests({ file: 'tests/t.yaml', text: `tests:\n  - name: n\n${at}    call: {}\n    expect:\n      rule: clock\n      callflow:\n        - say: "It is 2026-03-02T01:30:00.000Z."\n` }).tests;

    it.each([
      ["the test's own `at`", '    at: "2026-03-02T09:30:00+08:00"\n', undefined],
      ['--at, for a test without `at`', '', new Date('2026-03-02T01:30:00Z')],
      ["the test's own `at` over --at", '    at: "2026-03-02T01:30:00Z"\n', new Date('2030-01-01T00:00:00Z')],
    ])('is %s', (_, at, now) => {
      expect(runRuleTests(ruleSetOf(clockRules), clockTest(at), now ? { now } : {})).toMatchObject({ passed: 1, failed: 0 });
    });
  });

  it.each([
    ['a condition of the expected rule fails', 'call: { dtmf: "2" }', 'menu', 'why: menu: dtmf is "2", wanted "1"'],
    ['an earlier rule takes the call first', 'call: { dtmf: "1" }', 'rest', 'why: rest matches this call too, but menu comes first'],
    ['a rule answers where none should', 'call: { dtmf: "1" }', 'fallback', 'why: rule menu matches this call'],
  ])('say why the expected rule did not answer when %s', (_, call, rule, why) => {
    const { result } = run(`tests:\n  - name: n\n    ${call}\n    expect: { rule: ${rule} }\n`);
    expect(result!.failed).toBe(1);
    expect(result!.diagnostics[0]!.detail!.split('\n')).toContain(why);
  });

  it('fail when an expected say names a different voice', () => {
    const { result } = run(
      'tests:\n  - name: voice\n    call: { dtmf: "1" }\n    expect:\n      rule: menu\n      callflow:\n        - say: { text: "You pressed 1.", voiceProfile: en-GB-Emma }\n        - makeCall: "+6587654321"\n',
    );
    expect(result!.failed).toBe(1);
    expect(result!.diagnostics[0]!.detail).toContain('-   - say: { text: "You pressed 1.", voiceProfile: "en-GB-Emma" }\n+   - say: { text: "You pressed 1.", voiceProfile: "en-US-ZiraRUS" }');
  });

  it.each([
    ['a misspelt call field', 'tests:\n  - name: n\n    call: { dtfm: "1" }\n    expect: { rule: menu }\n', 'unknown-field', 3, 13, 'did you mean `dtmf`?'],
    ['a missing expectation', 'tests:\n  - name: n\n    call: {}\n', 'missing-field', 2, 5, '`expect` is missing'],
    [
      'a bad number in the expected callflow',
      'tests:\n  - name: n\n    call: {}\n    expect:\n      rule: menu\n      callflow:\n        - makeCall: "+12"\n',
      'bad-phone-number',
      7,
      21,
      '"+12" is too short for a +1 number: check for missing digits',
    ],
    ['a time that is not a time', 'tests:\n  - name: n\n    at: "next tuesday"\n    call: {}\n    expect: { rule: menu }\n', 'bad-value', 3, 9, '`at` must be a date and time with a time zone'],
    ['a time without a zone', 'tests:\n  - name: n\n    at: "2026-03-02T09:30:00"\n    call: {}\n    expect: { rule: menu }\n', 'bad-value', 3, 9, '`at` must be a date and time with a time zone'],
  ])('report %s where it is written', (_, yaml, code, line, col, words) => {
    const { parsed } = run(yaml);
    expect(parsed.diagnostics).toHaveLength(1);
    expect(parsed.diagnostics[0]).toMatchObject({ code, severity: 'error', file: 'tests/t.yaml', line, col });
    expect(parsed.diagnostics[0]!.message).toContain(words);
  });
});

describe('rule tests that walk a conversation (steps)', () => {
  const menuRules = sources({
    'shop.yaml': [
      'rules:',
      '  - id: shop-line',
      '    then: [{ say: "Welcome." }, { menu: main }]',
      'menus:',
      '  main:',
      '    prompt: "Press 1 for sales."',
      '    options: { "1": [{ say: "Sales." }, { makeCall: "+6561234567" }] }',
      '    exhausted: [{ say: "Goodbye." }, hangup]',
      '',
    ].join('\n'),
  });
  const run = (steps: string) => {
    const parsed = parseRuleTests({ file: 'tests/t.yaml', text: `tests:\n  - name: walk\n    call: {}\n    expect: { rule: shop-line, menu: main, hear: "Welcome." }\n    steps:\n${steps}` });
    expect(parsed.diagnostics).toEqual([]);
    return runRuleTests(ruleSetOf(menuRules), parsed.tests);
  };

  it.each([
    ['the option', '      - { press: "1", rule: main-press-1, hear: "Sales.", reach: "+65 6123 4567" }\n'],
    ['a wrong key, then the option', '      - { press: "7", menu: main, hear: ["Sorry", "Press 1"] }\n      - { press: "1#", reach: "+6561234567" }\n'],
    ['silence until the tries run out', '      - { press: nothing }\n      - { press: nothing }\n      - { press: nothing, rule: main-no-input-exhausted, hear: "Goodbye." }\n'],
  ])('passes when the call goes as written: %s', (_what, steps) => {
    expect(run(steps)).toMatchObject({ passed: 1, failed: 0, diagnostics: [] });
  });

  it.each([
    ['a number not reached', '      - { press: "1", reach: "+6561234568" }\n', 'step 1 (the caller presses 1): the caller is not connected to +6561234568 (the answer calls +6561234567)', 6],
    ['words not heard', '      - { press: "2", hear: "Sales." }\n', 'step 1 (the caller presses 2): the caller does not hear "Sales."', 6],
    ['another rule', '      - { press: nothing, rule: main-press-1 }\n', 'step 1 (the caller presses nothing): expected rule main-press-1, got main-no-input-00', 6],
    ['keys after the call is connected', '      - { press: "1" }\n      - { press: "1" }\n', 'step 2 (the caller presses 1): the call does not wait for keys at this point', 7],
  ])('fails at the step that goes wrong: %s', (_what, steps, message, line) => {
    const result = run(steps);
    expect(result.failed).toBe(1);
    expect(result.diagnostics[0]).toMatchObject({ code: 'rule-test-failed', file: 'tests/t.yaml', line });
    expect(result.diagnostics[0]!.message).toContain(message);
  });

  it('names an unknown rule id at its step', () => {
    const result = run('      - { press: "1", rule: main-pres-1 }\n');
    expect(result.diagnostics[0]).toMatchObject({ code: 'unknown-rule', line: 6 });
    expect(result.diagnostics[0]!.message).toContain('did you mean `main-press-1`');
  });
});

import { describe, expect, it } from 'vitest';
import { UsageError } from '../src/cli/usage-error.js';
import { validateCommand } from '../src/cli/validate-command.js';
import { capture } from './helpers/capture.js';

async function validate(...args: string[]) {
  const out = capture();
  const err = capture();
  const code = await validateCommand(args, out, err);
  return { code, out: out.text, err: err.text };
}

const LINTED = 'test/fixtures/lint-warnings/rules';
const DESK = 'test/fixtures/support-desk/rules';
const BEFORE = 'test/fixtures/support-desk-before/rules';
const WRONG = 'test/fixtures/wrong-expectation/rules';

describe('validate exit codes', () => {
  it.each([
    ['the sample rules and their tests', 0, ['rules']],
    ['rules with lint warnings', 0, [LINTED]],
    ['rules with lint warnings under --strict', 1, [LINTED, '--strict']],
    ['a failing rule test', 1, [WRONG]],
    ['a folder that does not exist', 1, ['test/fixtures/no-such-folder']],
  ])('%s -> exit %i', async (_, code, args) => {
    expect((await validate(...args)).code).toBe(code);
  });

  it.each([
    ['an unknown format', ['rules', '--format', 'xml'], '--format must be one of text, json, github'],
    ['a time that is not a time', ['rules', '--at', 'tomorrow'], '--at must be a date and time with a time zone'],
    ['a time without a zone', ['rules', '--at', '2026-03-02T09:30:00'], '--at must be a date and time with a time zone'],
    ['a time past the end of the month', ['rules', '--at', '2026-02-31T09:30:00Z'], '--at must be'],
  ])('rejects %s as a usage error (exit 2)', async (_, args, message) => {
    await expect(validate(...args)).rejects.toThrow(UsageError);
    await expect(validate(...args)).rejects.toThrow(message);
  });
});

describe('validate --format text', () => {
  it('prints lint warnings as file:line:col: warning: and still says ok', async () => {
    const { err, out } = await validate(LINTED);
    expect(err).toContain(`${LINTED}/10-rules.yaml:7:5: warning: rule \`vip\` can never match: rule \`sg-mobile\``);
    expect(err).toContain(`${LINTED}/10-rules.yaml:7:5: warning: no rule matches every call`);
    expect(out).toContain('ok: 2 rules in 1 file');
    expect(out).toContain('0 errors, 2 warnings');
  });
});

describe('validate --format github', () => {
  it('writes each problem as an annotation on stdout, line by line', async () => {
    const { code, out } = await validate(WRONG, '--format', 'github');
    expect(code).toBe(1);
    const lines = out.split('\n');
    expect(lines[0]).toBe(
      `::error file=${WRONG}/tests/support.yaml,line=3,col=5,title=rule-test-failed::test "Singapore caller reaches support" failed: rule sg-support answered, but with a different callflow` +
        '%0Acall: destinationRefId=vn-ref-1 sourceCountryCode=SG%0A--- expected%0A+++ actual%0A  rule: sg-support%0A  callflow:' +
        '%0A-   - say: { text: "Welcome to support, connecting you now.", voiceProfile: "en-US-ZiraRUS" }' +
        '%0A+   - say: { text: "Welcome to support.", voiceProfile: "en-US-ZiraRUS" }' +
        '%0A    - makeCall: { source: "+6568332048", destination: "+6587654321" }',
    );
    expect(lines[1]).toMatch(new RegExp(`^::error file=${WRONG}/tests/support.yaml,line=10,col=5,title=rule-test-failed::test "Malaysian caller reaches support" failed: expected rule sg-support, got everyone-else%0A`));
    expect(lines[2]).toBe(
      `::error file=${WRONG}/tests/support.yaml,line=15,col=21,endLine=15,endColumn=33,title=unknown-rule::test "a typo in the rule id" expects rule \`everyone-els\`, but no rule has that id; did you mean \`everyone-else\`?`,
    );
    expect(lines.slice(3).filter((l) => l.startsWith('::'))).toEqual([]);
  });

  it('annotates warnings as ::warning', async () => {
    const { out } = await validate(LINTED, '--format', 'github');
    expect(out.split('\n').filter((l) => l.startsWith('::'))).toEqual([
      `::warning file=${LINTED}/10-rules.yaml,line=7,col=5,title=unreachable-rule::rule \`vip\` can never match: rule \`sg-mobile\` (10-rules.yaml:3) comes first and takes every call this one would. Move \`vip\` above it, or make \`sg-mobile\` narrower`,
      `::warning file=${LINTED}/10-rules.yaml,line=7,col=5,title=no-catch-all::no rule matches every call: a call that no rule takes gets the fallback (settings.yaml \`fallback%3A\`, else an apology and hangup). Add a last rule without \`when%3A\` to decide what those callers hear`.replace(
        /%3A/g,
        ':',
      ),
    ]);
  });
});

describe('validate --format json', () => {
  it('prints one JSON document with the verdict, the test counts and every diagnostic', async () => {
    const { code, out, err } = await validate(WRONG, '--format', 'json');
    expect(code).toBe(1);
    expect(err).toBe('');
    const doc = JSON.parse(out);
    expect(doc).toMatchObject({ ok: false, errors: 3, warnings: 0, tests: { passed: 1, failed: 3 }, rules: { count: 2, files: 1 } });
    expect(doc.diagnostics.map((d: { code: string; line: number }) => `${d.code}@${d.line}`)).toEqual(['rule-test-failed@3', 'rule-test-failed@10', 'unknown-rule@15']);
    expect(doc.diagnostics[1].detail).toContain('- rule: sg-support\n+ rule: everyone-else');
  });
});

describe('validate --compare', () => {
  it('lists the calls that route differently, with the old and the new rule and callflow', async () => {
    const { code, out } = await validate(DESK, '--compare', BEFORE, '--at', '2026-03-02T09:30:00+08:00');
    expect(code).toBe(0);
    expect(out).toContain(`compare with ${BEFORE}: 3 of 14 calls route differently`);
    // A rule test's call: +6591112222 used to get the generic greeting, now the mobile one.
    expect(out).toContain(
      [
        `call source=+6591112222 destinationRefId=vn-ref-1 sourceCountryCode=SG  — test "Singapore mobile caller reaches support, recorded" (${DESK}/tests/routing.yaml:19)`,
        '  before: rule sg-support',
        '    - say: { text: "Welcome to support. Your call from +6591112222 is being connected.", voiceProfile: "en-US-ZiraRUS", speed: 0.9 }',
        '    - playFile: { fileUrl: "https://example.com/audio/connecting.mp3" }',
        '    - makeCall: { source: "+6568332048", destination: "+6587654321" }',
        '  after:  rule sg-mobile-support',
        '    - say: { text: "Welcome to support, connecting you now.", voiceProfile: "en-US-ZiraRUS" }',
        '    - makeCall: { source: "+6568332048", destination: "+6587654321", callRecording: true }',
      ].join('\n'),
    );
    // A generated call from the old rule's prefix shows the other direction of the change.
    expect(out).toMatch(/call destinationRefId=vn-ref-1 sourceCountryCode=SG source=\+6580000000 {2}— a call for rule sg-mobile-support .*\n {2}before: rule sg-mobile-support\n[\s\S]*? {2}after: {2}rule sg-support/);
  });

  it('finds nothing to list when the rules did not change', async () => {
    const { out } = await validate('rules', '--compare', 'rules');
    expect(out).toMatch(/compare with rules: all \d+ calls route as before/);
  });

  it('is in the JSON document too', async () => {
    const doc = JSON.parse((await validate(DESK, '--compare', BEFORE, '--format', 'json')).out);
    expect(doc.compare.changes).toHaveLength(3);
    expect(doc.compare.changes[0]).toMatchObject({ before: { rule: 'sg-support' }, after: { rule: 'sg-mobile-support' } });
  });

  it('fails when the old rules do not load', async () => {
    const { code, err } = await validate('rules', '--compare', 'test/fixtures/no-such-folder');
    expect(code).toBe(1);
    expect(err).toContain('cannot compare with test/fixtures/no-such-folder: its rules do not load');
  });
});

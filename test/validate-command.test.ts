import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rules-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function files(contents: Record<string, string>) {
  for (const [name, text] of Object.entries(contents)) {
    await mkdir(join(dir, name, '..'), { recursive: true });
    await writeFile(join(dir, name), text);
  }
}

const settings = { 'settings.yaml': 'voiceProfile: en-US-ZiraRUS\n' };

describe('validate', () => {
  it('passes the sample rules with exit 0', async () => {
    const { code, stdout } = await runCli(['validate', 'rules']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^ok: \d+ rules(?: and \d+ menus?)? in \d+ files of rules, version [0-9a-f]{12}; \d+ rule tests passed; 0 errors, 0 warnings$/m);
  });

  it.each([
    ['a YAML syntax error', { 'a.yaml': 'rules:\n  - id: a\n    then:\n\t- hangup\n' }, 'a.yaml:4:1: error: YAML syntax: indent with spaces, not tabs'],
    ['a schema violation deep in an action', { 'a.yaml': 'rules:\n  - id: a\n    then:\n      - say: { text: "Hi", repetition: 4 }\n' }, 'a.yaml:4:40: error: `repetition` must be at most 3 for say (it is 4)'],
    [
      'a duplicate id in two files',
      { 'a.yaml': 'rules:\n  - id: same\n    then: [hangup]\n', 'b.yaml': 'rules:\n\n  - id: same\n    then: [hangup]\n' },
      'b.yaml:3:9: error: rule id `same` is already used at a.yaml:2:5; ids must be unique across all files',
    ],
    ['an unknown placeholder', { 'a.yaml': 'rules:\n  - id: a\n    then:\n      - say: "Hello {{name}}"\n' }, 'a.yaml:4:14: error: unknown placeholder {{name}}'],
    ['a misspelt condition', { 'a.yaml': 'rules:\n  - id: a\n    when:\n      destinationRefID: vn-1\n    then: [hangup]\n' }, 'a.yaml:4:7: error: unknown condition `destinationRefID`; did you mean `destinationRefId`?'],
    [
      'a condition indented at the level of the rule',
      { 'a.yaml': 'rules:\n  - id: a\n    source: "+6591234567"\n    then: [hangup]\n' },
      'a.yaml:3:5: error: unknown rule field `source`; conditions go under `when:`, indented below it',
    ],
    [
      'an action indented at the level of the rule',
      { 'a.yaml': 'rules:\n  - id: a\n    then: [hangup]\n    say: "Hello"\n' },
      'a.yaml:4:5: error: unknown rule field `say`; actions go under `then:`, as list items (`- say: ...`)',
    ],
    ['a phone number that is not one', { 'a.yaml': 'rules:\n  - id: a\n    when:\n      source: "call me"\n    then: [hangup]\n' }, 'a.yaml:4:15: error: "call me" is not a phone number'],
    ['a broken regex', { 'a.yaml': 'rules:\n  - id: a\n    when:\n      source: { regex: "([" }\n    then: [hangup]\n' }, 'a.yaml:4:24: error: `regex` is not a valid regular expression'],
    ['a rule without then', { 'a.yaml': 'rules:\n  - id: a\n    when: { dtmf: "1" }\n' }, 'a.yaml:2:5: error: `then` is missing'],
    ['a file that is not a rules file', { 'a.yaml': '- id: a\n  then: [hangup]\n' }, 'a.yaml:1:1: error: the file must be `key: value` lines at the top level'],
    [
      'a bad settings file',
      { 'settings.yaml': 'voiceProfile: en-US-ZiraRUS\nfalback: [hangup]\n', 'a.yaml': 'rules:\n  - id: a\n    then: [hangup]\n' },
      'settings.yaml:2:1: error: unknown top-level field `falback`; did you mean `fallback`?',
    ],
  ])('reports %s as file:line:col and exits 1', async (_what, contents, expected) => {
    await files({ ...settings, ...contents });
    const { code, stderr } = await runCli(['validate', dir]);
    expect(code).toBe(1);
    expect(stderr).toContain(`${join(dir, expected)}`);
  });

  it('shows the offending line with a caret under the spot', async () => {
    await files({ ...settings, 'a.yaml': 'rules:\n  - id: a\n    then:\n      - sya: "Hi"\n' });
    const { stderr } = await runCli(['validate', dir]);
    expect(stderr).toContain('4 |       - sya: "Hi"\n            ^');
  });

  it('reports every problem of every file in one run', async () => {
    await files({
      ...settings,
      'a.yaml': 'rules:\n  - id: a\n    then:\n      - makeCall: "+65 1"\n',
      'b.yaml': 'rules:\n  - id: b\n    then:\n      - playFile: https://e.com/a.ogg\n',
    });
    const { stderr } = await runCli(['validate', dir]);
    expect(stderr).toContain('a.yaml:4:19');
    expect(stderr).toContain('b.yaml:4:19');
    expect(stderr).toContain('2 errors, 0 warnings: the rules in');
  });

  it.each([
    [['validate', 'a', 'b'], 'validate takes one folder'],
    [['validate', '--bogus'], 'error: unknown option --bogus for validate: its options are --strict, --format, --compare, --at'],
    [['frobnicate'], 'unknown command "frobnicate"'],
  ])('exits 2 on a usage error: %j', async (args, message) => {
    const { code, stderr } = await runCli(args);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
    expect(stderr).toContain('Usage:');
  });

  it('exits 1 for a folder that does not exist', async () => {
    const { code, stderr } = await runCli(['validate', join(dir, 'nope')]);
    expect(code).toBe(1);
    expect(stderr).toContain('no such folder');
  });
});

describe('files saved by Windows editors', () => {
  it('counts columns after a byte-order mark, and reads CRLF line ends', async () => {
    await files({ ...settings, 'a.yaml': '\uFEFFrulez:\r\n  - id: a\r\n    then: [hangup]\r\n' });
    const { code, stderr } = await runCli(['validate', dir]);
    expect(code).toBe(1);
    expect(stderr).toContain(`${join(dir, 'a.yaml')}:1:1: error: unknown top-level field \`rulez\`; did you mean \`rules\`?`);
  });
});

import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { removeDir, rulesYaml, SETTINGS, startHarness, tempDir, writeFiles, type Harness } from './helpers/reload-harness.js';
import { startServer } from './helpers/server.js';

const ALIAS_BOMB = [
  'a: &a ["x","x","x","x","x","x","x","x","x","x"]',
  ...'bcdefghij'
    .split('')
    .map(
      (k, i) =>
        `${k}: &${k} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`,
    ),
  'rules: []',
  '',
].join('\n');
const ONE_RULE = rulesYaml([{ id: 'a', say: 'version one' }]);

let dir: string;
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(async () => {
  await removeDir(dir);
});

describe('calendar dates and date ranges', () => {
  it.each([
    ['a calendar date in year 9999', 'calendars:\n  holidays: ["9999-12-31"]\n', 'settings.yaml:3:14', '"9999-12-31" is outside the years the router accepts (2000 to 2100)'],
    ['a calendar range to year 9999', 'calendars:\n  holidays:\n    - 2026-01-01..9999-12-31\n', 'settings.yaml:4:7', '"9999-12-31" is outside the years'],
    ['a calendar date before 2000', 'calendars:\n  holidays: ["1999-12-31"]\n', 'settings.yaml:3:14', '"1999-12-31" is outside the years'],
    ['a calendar range of 20 years', 'calendars:\n  holidays: ["2026-01-01..2046-01-01"]\n', 'settings.yaml:3:14', 'the range "2026-01-01..2046-01-01" is 7306 days long; a calendar range may cover at most 366 days'],
  ])('reports %s as an error at file:line:col (validate ends)', async (_what, calendars, where, words) => {
    await writeFiles(dir, { 'settings.yaml': `${SETTINGS}${calendars}`, 'a.yaml': ONE_RULE });
    const { code, stderr } = await runCli(['validate', dir]);
    expect(code).toBe(1);
    expect(stderr).toContain(`${join(dir, where)}: error: ${words}`);
  });

  it('reports a `dates:` range beyond 2100 in a rule', async () => {
    await writeFiles(dir, { 'settings.yaml': SETTINGS, 'a.yaml': 'rules:\n  - id: a\n    when:\n      time: { timezone: Asia/Singapore, dates: "2026-01-01..2101-01-01" }\n    then: [hangup]\n' });
    const { code, stderr } = await runCli(['validate', dir]);
    expect(code).toBe(1);
    expect(stderr).toContain(`${join(dir, 'a.yaml')}:4:`);
    expect(stderr).toContain('"2101-01-01" is outside the years the router accepts (2000 to 2100)');
  });

  it('accepts a calendar up to the last day of 2100', async () => {
    await writeFiles(dir, { 'settings.yaml': `${SETTINGS}calendars:\n  holidays: ["2100-12-01..2100-12-31"]\n`, 'a.yaml': ONE_RULE });
    expect((await runCli(['validate', dir])).code).toBe(0);
  });
});

describe('an alias bomb', () => {
  it('is a file-named error in validate, not a stack trace', async () => {
    await writeFiles(dir, { 'settings.yaml': SETTINGS, 'a.yaml': ONE_RULE, 'bomb.yaml': ALIAS_BOMB });
    const { code, stderr } = await runCli(['validate', dir]);
    expect(code).toBe(1);
    expect(stderr).toContain(`${join(dir, 'bomb.yaml')}:2:`);
    expect(stderr).toContain('expand to far more than the file holds (an alias bomb)');
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('in settings.yaml is a file-named error too', async () => {
    await writeFiles(dir, { 'settings.yaml': `${SETTINGS}${ALIAS_BOMB.replace('rules: []\n', '')}`, 'a.yaml': ONE_RULE });
    const { code, stderr } = await runCli(['validate', dir]);
    expect(code).toBe(1);
    expect(stderr).toContain(`${join(dir, 'settings.yaml')}:3:`);
    expect(stderr).toContain('an alias bomb');
  });

  it('makes serve refuse to start, naming the file', async () => {
    await writeFiles(dir, { 'settings.yaml': SETTINGS, 'bomb.yaml': ALIAS_BOMB });
    const failure = await startServer(['--rules', dir]).then(
      async (s) => {
        await s.stop();
        return undefined;
      },
      (e: { code: number; stderr: string }) => e,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain(`${join(dir, 'bomb.yaml')}:2:`);
    expect(failure?.stderr).toContain('an alias bomb');
    expect(failure?.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('a live reload of a bad file', () => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it.each([
    ['an empty rules file', '', 'b.yaml:1:1: error: this rules file is empty: write its `rules:` list'],
    ['a rules file with only comments', '# nothing yet\n', 'b.yaml:1:1: error: this rules file is empty'],
    ['an alias bomb', ALIAS_BOMB, 'b.yaml:2:'],
  ])('rejects %s and keeps the last good rules serving', async (_what, text, error) => {
    await writeFiles(dir, { 'settings.yaml': SETTINGS, 'a.yaml': ONE_RULE });
    harness = await startHarness(dir, { watch: false });
    await writeFiles(dir, { 'b.yaml': text });
    const report = await harness.reloader.reload('admin');
    expect(report.ok).toBe(false);
    expect(report.errors.join('\n')).toContain(join(dir, error));
    expect(await harness.said()).toEqual(['version one']);
  });

  it('reports an empty rules file in validate as an error', async () => {
    await writeFiles(dir, { 'settings.yaml': SETTINGS, 'a.yaml': ONE_RULE, 'b.yaml': '' });
    const { code, stderr } = await runCli(['validate', dir]);
    expect(code).toBe(1);
    expect(stderr).toContain(`${join(dir, 'b.yaml')}:1:1: error: this rules file is empty`);
  });
});

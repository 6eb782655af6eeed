import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isRuleFile, readRulesDir } from '../src/rules/read-rules-dir.js';
import { readRuleTests } from '../src/rule-tests/read-rule-tests.js';

describe.each([
  ['tests/routing.yaml', false],
  ['tests/deep/more.yml', false],
  ['tests.yaml', true],
  ['support/tests.yaml', true],
  ['support/tests/x.yaml', true],
])('isRuleFile(%s)', (path, rule) => {
  it(`is ${rule}`, () => expect(isRuleFile(path)).toBe(rule));
});

describe('a rules folder with a tests/ sub-folder', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rule-tests-'));
    await mkdir(join(dir, 'tests', 'more'), { recursive: true });
    await writeFile(join(dir, '10-a.yaml'), 'rules: []\n');
    await writeFile(join(dir, 'tests', 'b.yaml'), 'tests: []\n');
    await writeFile(join(dir, 'tests', 'more', 'a.yml'), 'tests: []\n');
    await writeFile(join(dir, 'tests', '.b.yaml.swp'), 'junk');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('reads the tests as tests and not as rules', async () => {
    expect((await readRulesDir(dir)).ruleFiles.map((f) => f.file)).toEqual(['10-a.yaml']);
    expect((await readRuleTests(dir)).map((f) => f.file)).toEqual(['tests/b.yaml', 'tests/more/a.yml']);
  });

  it('has no tests when there is no tests/ folder', async () => {
    await rm(join(dir, 'tests'), { recursive: true });
    expect(await readRuleTests(dir)).toEqual([]);
  });
});

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateRules } from '../bench/make-rules-folder.js';
import { buildRuleSet } from '../src/rules/build-rule-set.js';
import { parseYaml } from '../src/source/parse-yaml.js';
import { FAST_PARSE_MIN_BYTES, parseYamlFast } from '../src/source/parse-yaml-fast.js';
import { removeDir, tempDir } from './helpers/reload-harness.js';

const settings = { file: 'settings.yaml', text: 'voiceProfile: en-US-ZiraRUS\n' };

/** The fast path must give exactly what `yaml` gives: the same data and the same rule positions. */
function expectSameAsYaml(text: string) {
  const source = { file: 'r.yaml', text };
  const exact = parseYaml(source);
  const fast = parseYamlFast(source);
  expect(exact.diagnostics).toEqual([]);
  expect(fast).toBeDefined();
  expect(fast!.data).toEqual(exact.data);
  const rules = (exact.data as { rules?: unknown[] }).rules ?? [];
  for (let i = 0; i < rules.length; i++) expect(fast!.locate(['rules', i]), `rule ${i}`).toEqual(exact.locate(['rules', i]));
  return fast!;
}

describe('the fast YAML path reads what yaml reads', () => {
  it.each([
    { name: 'block rules with comments', text: '# top\nrules:\n  - id: a # why\n    when:\n      destinationRefId: vn-a\n    then:\n      - hangup\n  -   id: b\n      then: [hangup]\n' },
    { name: 'flow collections on one line', text: 'rules:\n  - id: a\n    when: { source: { prefix: ["+659", "+658"] }, dtmf: [1, "2"] }\n    then: [{ say: hi }, hangup]\n' },
    { name: 'quoted strings with escapes', text: `rules:\n  - id: "a"\n    then:\n      - say: "caf\\u00e9 \\"x\\"\\n\\ttab"\n      - say: 'it''s'\n` },
    {
      name: 'block scalars',
      text: 'rules:\n  - id: a\n    then:\n      - say: |\n          line one\n          line two\n      - say: >-\n          folded\n          text\n\n          para\n      - say: |+\n          keep\n\n  - id: b\n    then: [hangup]\n',
    },
    { name: 'numbers, phone numbers and codes', text: 'rules:\n  - id: a\n    n: [+6591234567, 0065123, 1234567, 123456, 3, -4, 0.9, 1e3, .5, 0x1F, 0o17, .inf, -.Inf, .nan, 1.50, +12]\n    then: [hangup]\n' },
    { name: 'booleans and nulls', text: 'rules:\n  - id: a\n    v: [true, False, TRUE, NULL, ~, null, yes, no, on]\n    e:\n    then: [hangup]\n' },
    { name: 'multi-line plain text', text: 'rules:\n  - id: a\n    then:\n      - say: this is a long\n          sentence on two lines\n' },
    { name: 'Windows line endings', text: 'rules:\r\n  - id: a\r\n    then:\r\n      - say: "hi"\r\n  - id: b\r\n    then: [hangup]\r\n' },
    { name: 'explicit document markers', text: '---\nrules:\n  - id: a\n    then: [hangup]\n...\n' },
    { name: 'unicode text before rules', text: '# 🎉 ünïcode\nrules:\n  - id: a\n    then: [{ say: "héllo 🎉" }]\n  - id: b\n    then: [hangup]\n' },
    { name: 'quoted keys and defaults', text: '"defaults": { voiceProfile: en-US-ZiraRUS }\n\'rules\':\n- id: a\n  then: [hangup]\n- id: b\n  then: [hangup]\n' },
  ])('$name', ({ text }) => {
    expectSameAsYaml(text);
  });
});

describe('the fast YAML path steps aside when it cannot promise the same result', () => {
  it.each([
    { name: 'a syntax error', text: 'rules:\n  - id: a\n\tthen: [hangup]\n' },
    { name: 'a duplicate key', text: 'rules:\n  - id: a\n    id: b\n    then: [hangup]\n' },
    { name: 'an anchor and alias', text: 'x: &h [hangup]\nrules:\n  - id: a\n    then: *h\n' },
    { name: 'a tag', text: 'rules:\n  - id: !!str 123\n    then: [hangup]\n' },
    { name: 'a directive', text: '%YAML 1.2\n---\nrules:\n  - id: a\n    then: [hangup]\n' },
    { name: 'a flow collection over several lines', text: 'rules:\n  - id: a\n    then: [\n  hangup]\n' },
    { name: 'two documents', text: 'rules: []\n---\nrules: []\n' },
    { name: 'a rule written as a flow mapping', text: 'rules:\n  - { id: a, then: [hangup] }\n' },
    { name: 'a merge key', text: 'rules:\n  - <<: { id: a }\n    then: [hangup]\n' },
    { name: 'a byte order mark', text: '\ufeffrules:\n  - id: a\n    then: [hangup]\n' },
    { name: 'a number as a key', text: 'rules:\n  - id: a\n    1: x\n    then: [hangup]\n' },
  ])('$name', ({ text }) => {
    expect(parseYamlFast({ file: 'r.yaml', text })).toBeUndefined();
  });

  it('finds any other position with yaml, so diagnostics are the ones validate prints', () => {
    const text = 'rules:\n  - id: a\n    when:\n      source: "+65 not a number"\n    then: [hangup]\n';
    const fast = expectSameAsYaml(text);
    expect(fast.locate(['rules', 0, 'when', 'source'])).toEqual({ line: 4, col: 15, endLine: 4, endCol: 33 });
    expect(fast.locate(['rules', 0, 'when'], 'key')).toEqual({ line: 3, col: 5, endLine: 3, endCol: 9 });
  });
});

describe('a rules file big enough for the fast path', () => {
  let dir = '';
  afterAll(() => removeDir(dir));

  it('builds the rule set yaml alone would build, and reports errors at the same places', async () => {
    dir = await tempDir();
    await generateRules(dir, 1500, 1);
    const text = await readFile(join(dir, 'rules-000.yaml'), 'utf8');
    expect(text.length).toBeGreaterThan(FAST_PARSE_MIN_BYTES);
    expectSameAsYaml(text);
    // The same rules split into files too small for the fast path are read by yaml alone.
    const items = text.slice('rules:\n'.length).split(/(?=^ {2}- id: )/m);
    const parts: string[] = [];
    for (let i = 0; i < items.length; i += 250) parts.push(`rules:\n${items.slice(i, i + 250).join('')}`);
    for (const part of parts) expect(part.length).toBeLessThan(FAST_PARSE_MIN_BYTES);
    const big = buildRuleSet({ ruleFiles: [{ file: 'big.yaml', text }], settings });
    const split = buildRuleSet({ ruleFiles: parts.map((t, i) => ({ file: `part-${i}.yaml`, text: t })), settings });
    const strip = (rules: typeof big.ruleSet) => rules?.rules.map(({ file: _f, line: _l, order: _o, ...rest }) => rest);
    expect(big.ruleSet?.rules).toHaveLength(1500);
    expect(strip(big.ruleSet)).toEqual(strip(split.ruleSet));

    const broken = text.replace('makeCall: "+6561000042"', 'makeCall: "+65 not a number"');
    const bigErrors = buildRuleSet({ ruleFiles: [{ file: 'big.yaml', text: broken }], settings }).diagnostics;
    const line = broken.slice(0, broken.indexOf('+65 not a number')).split('\n').length;
    expect(bigErrors).toEqual([expect.objectContaining({ code: 'bad-phone-number', file: 'big.yaml', line })]);
  });
});

import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../src/diagnostics/diagnostic.js';
import { formatGithub } from '../src/diagnostics/format-github.js';
import { formatJson } from '../src/diagnostics/format-json.js';
import { formatText } from '../src/diagnostics/format-text.js';

const diagnostics: Diagnostic[] = [
  { code: 'unknown-field', severity: 'error', message: 'unknown action `sya`; did you mean `say`?', file: 'rules/50-support.yaml', line: 3, col: 9 },
  { code: 'no-catch-all', severity: 'warning', message: 'no rule matches every call: add a last rule without `when:`', file: 'rules/a, b.yaml', line: 2, col: 5 },
  { code: 'rule-test-failed', severity: 'error', message: 'test "x" failed: expected rule a, got b', file: 'rules/tests/t.yaml', line: 4, col: 5, detail: '- rule: a\n+ rule: b 100%' },
  { code: 'unreadable', severity: 'error', message: 'cannot read rules folder nope: no such folder' },
];
const texts = new Map([['rules/50-support.yaml', 'rules:\n  - id: x\n    then: [sya]\n']]);

describe('--format github', () => {
  it('writes one annotation per diagnostic, escaped the way GitHub Actions reads them', () => {
    expect(formatGithub(diagnostics).split('\n')).toEqual([
      '::error file=rules/50-support.yaml,line=3,col=9,title=unknown-field::unknown action `sya`; did you mean `say`?',
      '::warning file=rules/a%2C b.yaml,line=2,col=5,title=no-catch-all::no rule matches every call: add a last rule without `when:`',
      '::error file=rules/tests/t.yaml,line=4,col=5,title=rule-test-failed::test "x" failed: expected rule a, got b%0A- rule: a%0A+ rule: b 100%25',
      '::error title=unreadable::cannot read rules folder nope: no such folder',
      '',
    ]);
  });
});

describe('--format text', () => {
  it('writes file:line:col: severity: message, the source line with a caret, and the detail', () => {
    expect(formatText(diagnostics, { texts })).toBe(
      [
        'rules/50-support.yaml:3:9: error: unknown action `sya`; did you mean `say`?',
        '3 |     then: [sya]',
        '            ^',
        'rules/a, b.yaml:2:5: warning: no rule matches every call: add a last rule without `when:`',
        'rules/tests/t.yaml:4:5: error: test "x" failed: expected rule a, got b',
        '    - rule: a',
        '    + rule: b 100%',
        'error: cannot read rules folder nope: no such folder',
        '',
      ].join('\n'),
    );
  });

  it('colours errors red and warnings yellow on a terminal only', () => {
    const coloured = formatText(diagnostics.slice(0, 2), { color: true });
    expect(coloured).toContain('\u001b[31mrules/50-support.yaml:3:9: error:');
    expect(coloured).toContain('\u001b[33mrules/a, b.yaml:2:5: warning:');
    expect(formatText(diagnostics, {})).not.toContain('\u001b[');
  });
});

describe('--format json', () => {
  it('is one JSON document with the summary and every diagnostic, each with its one-line text', () => {
    const doc = JSON.parse(formatJson(diagnostics, { ok: false, errors: 3 }));
    expect(doc.ok).toBe(false);
    expect(doc.errors).toBe(3);
    expect(doc.diagnostics).toHaveLength(4);
    expect(doc.diagnostics[2]).toEqual({ ...diagnostics[2], text: 'rules/tests/t.yaml:4:5: test "x" failed: expected rule a, got b' });
  });
});

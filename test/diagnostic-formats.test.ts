import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../src/diagnostics/diagnostic.js';
import { FORMATTERS, formatGithub, formatJson, formatText } from '../src/diagnostics/formatters.js';
import { formatDiagnostic } from '../src/diagnostics/format-diagnostic.js';

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
    const doc = JSON.parse(formatJson(diagnostics, { summary: { ok: false, errors: 3 } }));
    expect(doc.ok).toBe(false);
    expect(doc.errors).toBe(3);
    expect(doc.diagnostics).toHaveLength(4);
    expect(doc.diagnostics[2]).toEqual({ ...diagnostics[2], text: 'rules/tests/t.yaml:4:5: error: test "x" failed: expected rule a, got b' });
  });
});

describe('one renderer', () => {
  it('prints the same line in every format and surface: file:line:col: severity: message', () => {
    const d = diagnostics[0]!;
    const line = formatDiagnostic(d);
    expect(line).toBe('rules/50-support.yaml:3:9: error: unknown action `sya`; did you mean `say`?');
    expect(formatText([d])).toContain(line);
    expect(JSON.parse(formatJson([d])).diagnostics[0].text).toBe(line);
    expect(Object.keys(FORMATTERS)).toEqual(['text', 'json', 'github']);
  });

  it.each([
    { name: 'a point', where: { line: 3, col: 11 }, carets: '              ^' },
    { name: 'a span on one line', where: { line: 3, col: 11, endLine: 3, endCol: 14 }, carets: '              ^^^' },
    { name: 'a span onto later lines, to the end of this one', where: { line: 3, col: 11, endLine: 4, endCol: 2 }, carets: '              ^^^^^' },
  ])('underlines $name', ({ where, carets }) => {
    const d: Diagnostic = { code: 'unknown-field', severity: 'error', message: 'm', file: 'rules/50-support.yaml', ...where };
    expect(formatText([d], { texts }).split('\n')[2]).toBe(carets);
  });

  it('gives GitHub the end of the span', () => {
    const d: Diagnostic = { code: 'bad-value', severity: 'error', message: 'm', file: 'a.yaml', line: 2, col: 3, endLine: 2, endCol: 9 };
    expect(formatGithub([d])).toBe('::error file=a.yaml,line=2,col=3,endLine=2,endColumn=9,title=bad-value::m\n');
  });
});

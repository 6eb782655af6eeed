import { describe, expect, it } from 'vitest';
import { parseYaml } from '../src/source/parse-yaml.js';

describe('YAML syntax messages for the common slips say what to change on which line', () => {
  it.each([
    [
      'unquoted text with ": " in a say',
      'rules:\n  - id: r\n    then:\n      - say: Hello: welcome to support\n      - hangup\n',
      '4:9',
      'YAML syntax: the text after `say:` contains ": ", which YAML reads as the start of another key: put the text in double quotes, like `say: "Hello: welcome to support"`',
    ],
    [
      'unquoted text with ": " and a quote in it',
      'rules:\n  - id: r\n    description: Support: the "main" line\n    then: [hangup]\n',
      '3:5',
      'YAML syntax: the text after `description:` contains ": ", which YAML reads as the start of another key: put the text in double quotes, like `description: "Support: the \\"main\\" line"`',
    ],
    ['a list item without "- " after an item', 'rules:\n  - id: r\n    then:\n      - say: "Hello"\n      hangup\n', '5:7', 'YAML syntax: line 5 is in a list, but does not start with `- `: write `- hangup`'],
    ['the first list item without "- "', 'rules:\n  - id: r\n    then:\n      say: "Hello"\n      - hangup\n', '4:7', 'YAML syntax: line 4 is in a list, but does not start with `- `: write `- say: "Hello"`'],
  ])('%s', (_what, text, where, message) => {
    const parsed = parseYaml({ file: 'r.yaml', text });
    expect(parsed.diagnostics.map((d) => `${d.line}:${d.col}`)).toEqual([where]);
    expect(parsed.diagnostics.map((d) => d.message)).toEqual([message]);
  });

  it('a mis-indented key gets no "missing - " hint', () => {
    const parsed = parseYaml({ file: 'r.yaml', text: 'rules:\n  - id: r\n    then:\n      - say: "Hi"\n    - id: s\n    then: [hangup]\n' });
    expect(parsed.diagnostics).toHaveLength(1);
    expect(parsed.diagnostics[0]!.message).not.toContain('does not start with');
  });
});

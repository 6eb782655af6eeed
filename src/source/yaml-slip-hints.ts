import type { Position } from '../diagnostics/diagnostic.js';

/** A plain-words fix for a YAML syntax error, and the line it is on (often not the line the parser names). */
export interface SlipHint {
  message: string;
  at: Position;
}

// `  - say: Hello: welcome` → indent+dash, key, unquoted value.
const KEY_AND_PLAIN_VALUE = /^(\s*(?:-\s+)?)([^\s:#'"{[-][^:#]*?):\s+([^\s'"{[|>&*!].*?)\s*$/;

/**
 * The common slips a non-developer makes, recognised from the parser's complaint and the lines
 * around it: text with `: ` left unquoted, and a list item without its `- `. The yaml package's
 * own words ("Nested mappings are not allowed in compact mappings") say neither.
 */
export function yamlSlipHint(code: string, parserMessage: string, text: string, at: Position): SlipHint | undefined {
  const lines = text.split(/\r?\n/);
  return unquotedColon(code, parserMessage, lines, at) ?? missingDash(lines, at);
}

function unquotedColon(code: string, parserMessage: string, lines: readonly string[], at: Position): SlipHint | undefined {
  if (code !== 'BLOCK_AS_IMPLICIT_KEY' || !parserMessage.startsWith('Nested mappings are not allowed in compact mappings')) return undefined;
  const line = lines[at.line - 1] ?? '';
  const m = KEY_AND_PLAIN_VALUE.exec(line);
  if (!m || !/:\s/.test(m[3]!)) return undefined;
  const [, lead, key, value] = m;
  const quoted = `\`${key}: "${value!.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"\``;
  return {
    message: `the text after \`${key}:\` contains ": ", which YAML reads as the start of another key: put the text in double quotes, like ${quoted}`,
    at: { line: at.line, col: lead!.length + 1 },
  };
}

const indentOf = (line: string) => line.length - line.trimStart().length;
const isBlank = (line: string) => line.trim() === '' || line.trimStart().startsWith('#');

/**
 * A line at the same indentation as list items (`- …`) but without `- ` itself, just before or
 * at the error: `hangup` under `- say: …`, or `say: …` above `- hangup`.
 */
function missingDash(lines: readonly string[], at: Position): SlipHint | undefined {
  const start = Math.min(at.line, lines.length) - 1;
  // The parser names the line where it gave up; the slip is on it or on the line before.
  for (let i = start; i >= Math.max(0, start - 1); i--) {
    const line = lines[i]!;
    if (isBlank(line) || line.trimStart().startsWith('- ') || line.trimStart() === '-') continue;
    const indent = indentOf(line);
    const sibling = (from: number, step: number) => {
      for (let j = from; j >= 0 && j < lines.length; j += step) {
        if (isBlank(lines[j]!)) continue;
        if (indentOf(lines[j]!) < indent) return undefined;
        if (indentOf(lines[j]!) === indent) return lines[j]!;
      }
      return undefined;
    };
    const before = sibling(i - 1, -1);
    const after = sibling(i + 1, 1);
    const isItem = (l: string | undefined) => l !== undefined && /^\s*-(\s|$)/.test(l);
    const content = line.trim();
    const isKey = /^[^'"{[][^:]*:(\s|$)/.test(content);
    // A `key:` after a list item is more often mis-indented than missing its dash; only the first
    // line of a list, with items below it, is surely a lost `- `.
    if (isKey ? !(isItem(after) && !isItem(before)) : !isItem(before) && !isItem(after)) continue;
    return {
      message: `line ${i + 1} is in a list, but does not start with \`- \`: write \`- ${content}\``,
      at: { line: i + 1, col: indent + 1 },
    };
  }
  return undefined;
}

import type { Diagnostic } from './diagnostic.js';
import { codeFrame } from './format-diagnostic.js';

export interface TextOptions {
  /** File text by the name diagnostics use, to show the offending line under the message. */
  texts?: ReadonlyMap<string, string>;
  /** ANSI colours, for a terminal. */
  color?: boolean;
}

const paint = (on: boolean, code: string, text: string) => (on ? `\u001b[${code}m${text}\u001b[0m` : text);

/** `file:line:col: severity: message` */
export function textLine(d: Diagnostic): string {
  const where = [d.file, d.line, d.col].filter((p) => p !== undefined).join(':');
  return `${where ? `${where}: ` : ''}${d.severity}: ${d.message}`;
}

/** For a person at a terminal: the line, the source line with a caret, then any detail (a diff). */
export function formatText(diagnostics: readonly Diagnostic[], options: TextOptions = {}): string {
  const color = options.color ?? false;
  let out = '';
  for (const d of diagnostics) {
    out += `${paint(color, d.severity === 'error' ? '31' : '33', textLine(d))}\n`;
    const source = d.file ? options.texts?.get(d.file) : undefined;
    const frame = source === undefined ? undefined : codeFrame(source, d);
    if (frame) out += `${paint(color, '2', frame)}\n`;
    if (d.detail) out += `${d.detail.split('\n').map((l) => detailLine(color, l)).join('\n')}\n`;
  }
  return out;
}

/** Detail lines indented under their message; a diff's removed lines red, added lines green. */
function detailLine(color: boolean, line: string): string {
  const code = line.startsWith('-') ? '31' : line.startsWith('+') ? '32' : undefined;
  return code ? paint(color, code, `    ${line}`) : `    ${line}`;
}

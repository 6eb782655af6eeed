import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { codeFrame, formatDiagnostic } from '../diagnostics/format-diagnostic.js';

export interface Output {
  write(text: string): void;
  color: boolean;
}

const paint = (on: boolean, code: string, text: string) => (on ? `\u001b[${code}m${text}\u001b[0m` : text);

/** `file:line:col: message`, then the line itself with a caret, for a person at a terminal. */
export function printDiagnostics(diagnostics: readonly Diagnostic[], texts: ReadonlyMap<string, string>, out: Output): void {
  for (const d of diagnostics) {
    out.write(`${paint(out.color, d.severity === 'error' ? '31' : '33', formatDiagnostic(d))}\n`);
    const source = d.file ? texts.get(d.file) : undefined;
    const frame = source === undefined ? undefined : codeFrame(source, d);
    if (frame) out.write(`${paint(out.color, '2', frame)}\n`);
  }
}

/** "3 errors in the rules" */
export function summarizeErrors(diagnostics: readonly Diagnostic[]): string {
  const count = diagnostics.filter((d) => d.severity === 'error').length;
  return `${count} error${count === 1 ? '' : 's'} in the rules`;
}

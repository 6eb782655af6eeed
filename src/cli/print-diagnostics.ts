import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { formatText } from '../diagnostics/formatters.js';

export interface Output {
  write(text: string): void;
  color: boolean;
}

/** `file:line:col: severity: message`, then the line itself with carets, for a person at a terminal. */
export function printDiagnostics(diagnostics: readonly Diagnostic[], texts: ReadonlyMap<string, string>, out: Output): void {
  out.write(formatText(diagnostics, { texts, color: out.color }));
}

/** "3 errors in the rules" */
export function summarizeErrors(diagnostics: readonly Diagnostic[]): string {
  const count = diagnostics.filter((d) => d.severity === 'error').length;
  return `${count} error${count === 1 ? '' : 's'} in the rules`;
}

import type { Diagnostic } from './diagnostic.js';
import { diagnosticToJson } from './format-diagnostic.js';

/**
 * One JSON document for tools: `{...summary, diagnostics: [...]}`. Each diagnostic keeps its
 * fields (code, severity, message, file, line, col, detail) plus `text`, its one-line form.
 */
export function formatJson(diagnostics: readonly Diagnostic[], summary: Record<string, unknown> = {}): string {
  return `${JSON.stringify({ ...summary, diagnostics: diagnostics.map(diagnosticToJson) }, null, 2)}\n`;
}

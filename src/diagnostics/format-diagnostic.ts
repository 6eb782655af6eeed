import type { Diagnostic } from './diagnostic.js';

/** `file:line:col: message` — the one line every surface (CLI, logs, /healthz) prints. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = [d.file, d.line, d.col].filter((p) => p !== undefined).join(':');
  const severity = d.severity === 'warning' ? 'warning: ' : '';
  return where ? `${where}: ${severity}${d.message}` : `${severity}${d.message}`;
}

/** For JSON surfaces (/healthz, --format json). */
export function diagnosticToJson(d: Diagnostic): Diagnostic & { text: string } {
  return { ...d, text: formatDiagnostic(d) };
}

/**
 * The offending source line with a caret under the column, for terminals,
 * in the manner of the yaml package's prettifyError.
 */
export function codeFrame(source: string, d: Diagnostic): string | undefined {
  if (d.line === undefined) return undefined;
  const text = source.split(/\r?\n/)[d.line - 1];
  if (text === undefined) return undefined;
  const gutter = `${d.line} | `;
  const caret = ' '.repeat(gutter.length + Math.max(0, (d.col ?? 1) - 1)) + '^';
  return `${gutter}${text}\n${caret}`;
}

import type { Diagnostic } from './diagnostic.js';

/** `file:line:col: severity: message` — the one line every surface (CLI, logs, /healthz, console) prints. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = [d.file, d.line, d.col].filter((p) => p !== undefined).join(':');
  return `${where ? `${where}: ` : ''}${d.severity}: ${d.message}`;
}

/** For JSON surfaces (/healthz, --format json): the fields plus `text`, the one-line form. */
export function diagnosticToJson(d: Diagnostic): Diagnostic & { text: string } {
  return { ...d, text: formatDiagnostic(d) };
}

/**
 * The offending source line with carets under the span (one caret when only a point is known),
 * in the manner of the yaml package's prettifyError.
 */
export function codeFrame(source: string, d: Diagnostic): string | undefined {
  if (d.line === undefined) return undefined;
  const text = source.split(/\r?\n/)[d.line - 1];
  if (text === undefined) return undefined;
  const gutter = `${d.line} | `;
  const start = Math.max(0, (d.col ?? 1) - 1);
  // A span that runs onto later lines is underlined to the end of this one.
  const end = d.endCol !== undefined && (d.endLine ?? d.line) === d.line ? d.endCol - 1 : d.endLine !== undefined && d.endLine > d.line ? text.length : start + 1;
  const width = Math.max(1, Math.min(end, Math.max(text.length, start + 1)) - start);
  return `${gutter}${text}\n${' '.repeat(gutter.length + start)}${'^'.repeat(width)}`;
}

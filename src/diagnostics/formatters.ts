import type { Diagnostic } from './diagnostic.js';
import { codeFrame, diagnosticToJson, formatDiagnostic } from './format-diagnostic.js';
import { paint } from './paint.js';

interface FormatContext {
  /** File text by the name diagnostics use, to show the offending line under the message. */
  texts?: ReadonlyMap<string, string>;
  /** ANSI colours, for a terminal. */
  color?: boolean;
  /** Extra top-level fields for formats that carry a summary (json). */
  summary?: Record<string, unknown>;
}

/** Turns diagnostics into the text one surface prints; every format shares the one-line form. */
export type Formatter = (diagnostics: readonly Diagnostic[], context?: FormatContext) => string;

/** For a person at a terminal: the line, the source line with carets, then any detail (a diff). */
export const formatText: Formatter = (diagnostics, context = {}) => {
  const color = context.color ?? false;
  let out = '';
  for (const d of diagnostics) {
    out += `${paint(color, d.severity, formatDiagnostic(d))}\n`;
    const source = d.file ? context.texts?.get(d.file) : undefined;
    const frame = source === undefined ? undefined : codeFrame(source, d);
    if (frame) out += `${paint(color, 'dim', frame)}\n`;
    if (d.detail)
      out += `${d.detail
        .split('\n')
        .map((l) => detailLine(color, l))
        .join('\n')}\n`;
  }
  return out;
};

/** Detail lines indented under their message; a diff's removed lines red, added lines green. */
function detailLine(color: boolean, line: string): string {
  const kind = line.startsWith('-') ? 'removed' : line.startsWith('+') ? 'added' : undefined;
  return kind ? paint(color, kind, `    ${line}`) : `    ${line}`;
}

/** One JSON document for tools: `{...summary, diagnostics: [...]}`, each with its `text` line. */
export const formatJson: Formatter = (diagnostics, context = {}) => `${JSON.stringify({ ...context.summary, diagnostics: diagnostics.map(diagnosticToJson) }, null, 2)}\n`;

// GitHub's workflow-command escaping: a message may not contain raw newlines, and property
// values may not contain the `,` and `:` that separate them.
const escapeData = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const escapeProperty = (s: string) => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

/** `::error file=…,line=…,col=…,endLine=…,endColumn=…,title=code::message`: shown on the changed line of a pull request. */
function githubLine(d: Diagnostic): string {
  const props: string[] = [];
  if (d.file !== undefined) props.push(`file=${escapeProperty(d.file)}`);
  if (d.line !== undefined) props.push(`line=${d.line}`);
  if (d.col !== undefined) props.push(`col=${d.col}`);
  if (d.endLine !== undefined) props.push(`endLine=${d.endLine}`);
  if (d.endCol !== undefined) props.push(`endColumn=${d.endCol}`);
  props.push(`title=${escapeProperty(d.code)}`);
  const message = d.detail ? `${d.message}\n${d.detail}` : d.message;
  return `::${d.severity} ${props.join(',')}::${escapeData(message)}`;
}

export const formatGithub: Formatter = (diagnostics) => diagnostics.map((d) => `${githubLine(d)}\n`).join('');

/** The formats `--format` accepts, by name. */
export const FORMATTERS = { text: formatText, json: formatJson, github: formatGithub } satisfies Record<string, Formatter>;
export type FormatName = keyof typeof FORMATTERS;
export const FORMAT_NAMES = Object.keys(FORMATTERS) as FormatName[];

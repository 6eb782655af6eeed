import type { Diagnostic } from './diagnostic.js';

// GitHub's workflow-command escaping: a message may not contain raw newlines, and property
// values may not contain the `,` and `:` that separate them.
const escapeData = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const escapeProperty = (s: string) => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

/** `::error file=…,line=…,col=…,title=code::message`: GitHub Actions shows it on the changed line of a pull request. */
export function githubLine(d: Diagnostic): string {
  const props: string[] = [];
  if (d.file !== undefined) props.push(`file=${escapeProperty(d.file)}`);
  if (d.line !== undefined) props.push(`line=${d.line}`);
  if (d.col !== undefined) props.push(`col=${d.col}`);
  props.push(`title=${escapeProperty(d.code)}`);
  const message = d.detail ? `${d.message}\n${d.detail}` : d.message;
  return `::${d.severity} ${props.join(',')}::${escapeData(message)}`;
}

export function formatGithub(diagnostics: readonly Diagnostic[]): string {
  return diagnostics.map((d) => `${githubLine(d)}\n`).join('');
}

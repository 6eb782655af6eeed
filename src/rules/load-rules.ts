import { join } from 'node:path';
import { error, type Diagnostic } from '../diagnostics/diagnostic.js';
import { buildRuleSet, sourceFiles, type BuildOptions, type BuildResult, type RuleSources } from './build-rule-set.js';
import { readRulesDir, UnreadableRuleFile } from './read-rules-dir.js';

export interface LoadResult extends BuildResult {
  /** File text by the path shown in diagnostics, for printing the offending line. */
  texts: ReadonlyMap<string, string>;
}

/**
 * Reads and compiles a rules folder. Diagnostics name files as `dir/file` so a terminal or CI
 * can open them; a folder that cannot be read is reported, not thrown.
 */
export async function loadRules(dir: string, options: BuildOptions = {}): Promise<LoadResult> {
  let sources: RuleSources;
  try {
    sources = await readRulesDir(dir);
  } catch (e) {
    if (e instanceof UnreadableRuleFile) return { diagnostics: [error('unreadable', e.message, { file: e.file })], texts: new Map() };
    const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such folder' : e instanceof Error ? e.message : String(e);
    return { diagnostics: [error('unreadable', `cannot read rules folder ${dir}: ${reason}`)], texts: new Map() };
  }
  return compileRules(dir, sources, options);
}

/** `loadRules` for files already read (by `readRulesDir(dir)`). */
export function compileRules(dir: string, sources: RuleSources, options: BuildOptions = {}): LoadResult {
  const shown = (file: string) => shownPath(dir, file);
  const result = buildRuleSet(sources, options);
  const texts = new Map<string, string>();
  for (const f of sourceFiles(sources)) texts.set(shown(f.file), f.text);
  const diagnostics = result.diagnostics.map(inFolder(dir));
  return { ...result, diagnostics, texts };
}

/**
 * The one place a file of a rules folder gets the name people see: `dir/file`, so a terminal or
 * CI can open it. Builders and parsers name files relative to the folder; this runs last.
 */
export function shownPath(dir: string, file: string): string {
  return join(dir, file);
}

/** A diagnostic's file as `shownPath` names it. */
export function inFolder(dir: string): (d: Diagnostic) => Diagnostic {
  return (d) => (d.file ? { ...d, file: shownPath(dir, d.file) } : d);
}

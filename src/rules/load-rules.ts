import { join } from 'node:path';
import { error, type Diagnostic } from '../diagnostics/diagnostic.js';
import { buildRuleSet, type BuildResult } from './build-rule-set.js';
import { readRulesDir } from './read-rules-dir.js';

export interface LoadResult extends BuildResult {
  /** File text by the path shown in diagnostics, for printing the offending line. */
  texts: ReadonlyMap<string, string>;
}

/**
 * Reads and compiles a rules folder. Diagnostics name files as `dir/file` so a terminal or CI
 * can open them; a folder that cannot be read is reported, not thrown.
 */
export async function loadRules(dir: string): Promise<LoadResult> {
  let sources;
  try {
    sources = await readRulesDir(dir);
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such folder' : e instanceof Error ? e.message : String(e);
    return { diagnostics: [error('unreadable', `cannot read rules folder ${dir}: ${reason}`)], texts: new Map() };
  }
  const shown = (file: string) => join(dir, file);
  const result = buildRuleSet(sources);
  const texts = new Map<string, string>();
  for (const f of [...sources.ruleFiles, ...(sources.settings ? [sources.settings] : []), ...(sources.pairFiles ?? []), ...(sources.pools ? [sources.pools] : [])]) texts.set(shown(f.file), f.text);
  const diagnostics = result.diagnostics.map((d): Diagnostic => (d.file ? { ...d, file: shown(d.file) } : d));
  return { ...result, diagnostics, texts };
}

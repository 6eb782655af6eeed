import { compileRules } from '../rules/load-rules.js';
import { packRuleSet } from '../rules/packed-rule-set.js';
import { readRulesDir } from '../rules/read-rules-dir.js';
import { LOAD_HERE_BYTES, ruleFilesBytes } from './load-first-rules.js';
import { cacheKey, entryPath, writeCachedRules } from './rules-cache.js';

/** `failed`: the cache could not be written (the folder, the disk); otherwise there was nothing to write. */
export type Prebuilt = { written: true; file: string; rules: number } | { written: false; why: string; failed?: true };

/**
 * The compiled-rules cache entry for `dir`, written ahead of time (`validate --write-rules-cache`,
 * in CI or an image build), so that the first start with these files adopts it instead of
 * compiling: 100k rules answer in ~0.8 s instead of ~2.7 s. Compiled exactly as the rules loader
 * compiles for the cache (same reading, same key), so a start only uses it for these exact files
 * and this build of the router; anything else compiles as usual.
 */
export async function prebuildRulesCache(dir: string, cacheDir: string): Promise<Prebuilt> {
  const bytes = await ruleFilesBytes(dir);
  if (bytes < LOAD_HERE_BYTES) {
    return {
      written: false,
      why: `the rule files are ${Math.ceil(bytes / 1024).toLocaleString('en')} KB in all, under the ${LOAD_HERE_BYTES / 2 ** 20} MB from which the server uses a cache: it compiles them at start in well under a second`,
    };
  }
  const sources = await readRulesDir(dir);
  const result = compileRules(dir, sources);
  if (!result.ruleSet) return { written: false, why: 'the rules do not load' };
  const key = await cacheKey(sources);
  await writeCachedRules(cacheDir, key, { packed: packRuleSet(result.ruleSet), diagnostics: result.diagnostics });
  return { written: true, file: entryPath(cacheDir, key), rules: result.ruleSet.rules.length };
}

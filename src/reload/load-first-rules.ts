import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { loadRules, shownPath, type LoadResult } from '../rules/load-rules.js';
import { unpackRuleSet } from '../rules/packed-rule-set.js';
import { readRulesDir } from '../rules/read-rules-dir.js';
import { sourceFiles } from '../rules/build-rule-set.js';
import type { RulesLoaderWorker } from './load-rules-in-worker.js';
import { cacheKey, readCachedRules } from './rules-cache.js';

export type { LoadResult };

/** Rule files up to this size in all load at start on this thread: a loader process would only add its boot. */
export const LOAD_HERE_BYTES = 2 * 2 ** 20;

/**
 * The server's first load. A big folder (100k rules) loads like every reload: in the loader's
 * process, packed, so that this process never holds the compiled rules nor the garbage of
 * compiling them. Only the memory budget applies: nothing else is serving, so no time limit.
 * With a cache folder, a big folder whose files (and router) are unchanged since a load that
 * wrote the cache is adopted from there instead, without compiling.
 */
export async function loadFirstRules(loader: RulesLoaderWorker, dir: string, cacheDir?: string): Promise<LoadResult> {
  if ((await ruleFilesBytes(dir)) < LOAD_HERE_BYTES) return loadRules(dir);
  const fromCache = cacheDir ? await loadCached(dir, cacheDir) : {};
  if (fromCache.loaded) return fromCache.loaded;
  const loaded = await loader.load(dir, { first: true });
  return fromCache.warning ? { ...loaded, diagnostics: [fromCache.warning, ...loaded.diagnostics] } : loaded;
}

async function loadCached(dir: string, cacheDir: string): Promise<{ loaded?: LoadResult; warning?: LoadResult['diagnostics'][number] }> {
  let sources;
  try {
    sources = await readRulesDir(dir);
  } catch {
    return {}; // the loader reports it
  }
  const { cached, warning } = await readCachedRules(cacheDir, await cacheKey(sources));
  if (!cached) return warning ? { warning } : {};
  const diagnostics = cached.diagnostics;
  // The texts of the files the warnings name, so that they print with their lines, as after a compile.
  const named = new Set(diagnostics.map((d) => d.file));
  const texts = new Map<string, string>();
  for (const f of sourceFiles(sources)) if (named.has(shownPath(dir, f.file))) texts.set(shownPath(dir, f.file), f.text);
  return { loaded: { ruleSet: unpackRuleSet(cached.packed), diagnostics, texts } };
}

/** The size of the folder's rule files and tables, or Infinity when it cannot be told. */
export async function ruleFilesBytes(dir: string): Promise<number> {
  try {
    const entries = await readdir(dir, { recursive: true });
    const sizes = await Promise.all(entries.filter((e) => /\.(ya?ml|csv)$/i.test(e)).map(async (e) => (await stat(join(dir, e))).size));
    return sizes.reduce((a, b) => a + b, 0);
  } catch {
    return Infinity;
  }
}

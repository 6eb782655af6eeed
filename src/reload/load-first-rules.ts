import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { loadRules, type LoadResult } from '../rules/load-rules.js';
import type { RulesLoaderWorker } from './load-rules-in-worker.js';

export type { LoadResult };

/** Rule files up to this size in all load at start on this thread: a loader process would only add its boot. */
const LOAD_HERE_BYTES = 2 * 2 ** 20;

/**
 * The server's first load. A big folder (100k rules) loads like every reload: in the loader's
 * process, packed, so that this process never holds the compiled rules nor the garbage of
 * compiling them. Only the memory budget applies: nothing else is serving, so no time limit.
 */
export async function loadFirstRules(loader: RulesLoaderWorker, dir: string): Promise<LoadResult> {
  return (await ruleFilesBytes(dir)) < LOAD_HERE_BYTES ? loadRules(dir) : loader.load(dir, { first: true });
}

/** The size of the folder's rule files and tables, or Infinity when it cannot be told. */
async function ruleFilesBytes(dir: string): Promise<number> {
  try {
    const entries = await readdir(dir, { recursive: true });
    const sizes = await Promise.all(entries.filter((e) => /\.(ya?ml|csv)$/i.test(e)).map(async (e) => (await stat(join(dir, e))).size));
    return sizes.reduce((a, b) => a + b, 0);
  } catch {
    return Infinity;
  }
}

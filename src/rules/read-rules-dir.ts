import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { RuleSources } from './build-rule-set.js';
import type { SourceFile } from '../source/parse-yaml.js';

export const SETTINGS_FILES = ['settings.yaml', 'settings.yml'];
/** Pools of virtual numbers for live masking sessions: not rules. */
export const POOLS_FILES = ['pools.yaml', 'pools.yml'];
const RULE_FILE = /\.ya?ml$/i;
/** Rule tests live in this sub-folder of the rules folder; they are not rules (see src/testing). */
export const RULE_TESTS_DIR = 'tests';
const PAIRS_FILE = /\.csv$/i;

/** Whether a path (relative to the rules folder) is read as rules; editors' temp files and hidden entries are not. */
export function isRuleFile(relativePath: string): boolean {
  const parts = relativePath.split(/[\\/]/);
  if (parts.some((p) => p.startsWith('.') || p.startsWith('~') || p.endsWith('~'))) return false;
  if (parts.length === 1 && (SETTINGS_FILES.includes(parts[0]!) || POOLS_FILES.includes(parts[0]!))) return false;
  if (parts.length > 1 && parts[0] === RULE_TESTS_DIR) return false;
  return RULE_FILE.test(relativePath);
}

/** Whether a path is a masking-pair table (.csv): read with the rules, and a change to it is a change to the rules. */
export function isPairsFile(relativePath: string): boolean {
  const parts = relativePath.split(/[\\/]/);
  if (parts.some((p) => p.startsWith('.') || p.startsWith('~') || p.endsWith('~'))) return false;
  return PAIRS_FILE.test(relativePath);
}

/**
 * Reads every rule file below `dir` (sub-folders too), sorted by path so that
 * 10-vip.yaml is tried before 90-fallback.yaml. Hidden entries are skipped; that also
 * skips Kubernetes' `..data` and `..2024_…` folders behind a mounted ConfigMap.
 */
export async function readRulesDir(dir: string): Promise<RuleSources> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const paths: string[] = [];
  const pairPaths: string[] = [];
  for (const entry of entries) {
    const full = join(entry.parentPath, entry.name);
    const rel = relative(dir, full).split(sep).join('/');
    // Symlinked files (ConfigMaps) count as files; isFile() is false for them.
    if (!entry.isFile() && !entry.isSymbolicLink()) continue;
    if (isRuleFile(rel)) paths.push(rel);
    else if (isPairsFile(rel)) pairPaths.push(rel);
  }
  const byPath = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  paths.sort(byPath);
  pairPaths.sort(byPath);
  const read = async (file: string): Promise<SourceFile> => ({ file, text: await readFile(join(dir, file), 'utf8') });
  const ruleFiles = await Promise.all(paths.map(read));
  const pairFiles = await Promise.all(pairPaths.map(read));
  const topLevel = await readdir(dir);
  const settingsName = topLevel.find((n) => SETTINGS_FILES.includes(n));
  const settings = settingsName ? { file: settingsName, text: await readFile(join(dir, settingsName), 'utf8') } : undefined;
  const poolsName = topLevel.find((n) => POOLS_FILES.includes(n));
  const pools = poolsName ? await read(poolsName) : undefined;
  return { ruleFiles, ...(settings ? { settings } : {}), ...(pairFiles.length > 0 ? { pairFiles } : {}), ...(pools ? { pools } : {}) };
}

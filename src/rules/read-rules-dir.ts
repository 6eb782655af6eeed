import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { RuleSources } from './build-rule-set.js';
import type { SourceFile } from '../source/parse-yaml.js';
import { isHiddenSegment } from '../source/hidden-entry.js';

const SETTINGS_FILES = ['settings.yaml', 'settings.yml'];
/** Pools of virtual numbers for live masking sessions: not rules. */
const POOLS_FILES = ['pools.yaml', 'pools.yml'];
const RULE_FILE = /\.ya?ml$/i;
/** Rule tests live in this sub-folder of the rules folder; they are not rules (see src/testing). */
export const RULE_TESTS_DIR = 'tests';
const PAIRS_FILE = /\.csv$/i;

/** Whether a path (relative to the rules folder) is read as rules; editors' temp files and hidden entries are not. */
export function isRuleFile(relativePath: string): boolean {
  const parts = relativePath.split(/[\\/]/);
  if (parts.some((p) => isHiddenSegment(p))) return false;
  if (parts.length === 1 && (SETTINGS_FILES.includes(parts[0]!) || POOLS_FILES.includes(parts[0]!))) return false;
  if (parts.length > 1 && parts[0] === RULE_TESTS_DIR) return false;
  return RULE_FILE.test(relativePath);
}

/** Whether a path is a masking-pair table (.csv): read with the rules, and a change to it is a change to the rules. */
function isPairsFile(relativePath: string): boolean {
  const parts = relativePath.split(/[\\/]/);
  if (parts.some((p) => isHiddenSegment(p))) return false;
  return PAIRS_FILE.test(relativePath);
}

/** The files a load reads, relative to `dir`: rule files and pair tables in path order, and settings. */
export interface RuleFileList {
  ruleFiles: string[];
  pairFiles: string[];
  settings?: string;
  /** pools.yaml: virtual numbers for live masking sessions. */
  pools?: string;
}

/**
 * Lists every rule file below `dir` (sub-folders too), sorted by path so that 10-vip.yaml is
 * tried before 90-fallback.yaml. Hidden entries are skipped; that also skips Kubernetes'
 * `..data` and `..2024_…` folders behind a mounted ConfigMap.
 */
export async function listRulesDir(dir: string): Promise<RuleFileList> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const ruleFiles: string[] = [];
  const pairFiles: string[] = [];
  let settings: string | undefined;
  let pools: string | undefined;
  for (const entry of entries) {
    const full = join(entry.parentPath, entry.name);
    const rel = relative(dir, full).split(sep).join('/');
    // Symlinked files (ConfigMaps) count as files; isFile() is false for them.
    if (!entry.isFile() && !entry.isSymbolicLink()) continue;
    if (isRuleFile(rel)) ruleFiles.push(rel);
    else if (isPairsFile(rel)) pairFiles.push(rel);
    else if (SETTINGS_FILES.includes(rel)) settings ??= rel;
    else if (POOLS_FILES.includes(rel)) pools ??= rel;
  }
  const byPath = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  ruleFiles.sort(byPath);
  pairFiles.sort(byPath);
  return { ruleFiles, pairFiles, ...(settings ? { settings } : {}), ...(pools ? { pools } : {}) };
}

/** A file of the folder that could not be read: why, in words, with the file named. */
export class UnreadableRuleFile extends Error {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`cannot read this file: ${reason}`);
  }
}

/** Reads every file `listRulesDir` finds. */
export async function readRulesDir(dir: string): Promise<RuleSources> {
  const list = await listRulesDir(dir);
  const read = async (file: string): Promise<SourceFile> => {
    try {
      return { file, text: await readFile(join(dir, file), 'utf8') };
    } catch (e) {
      throw new UnreadableRuleFile(join(dir, file), fileProblem(e as NodeJS.ErrnoException));
    }
  };
  const ruleFiles = await Promise.all(list.ruleFiles.map(read));
  const pairFiles = await Promise.all(list.pairFiles.map(read));
  const settings = list.settings ? await read(list.settings) : undefined;
  const pools = list.pools ? await read(list.pools) : undefined;
  return { ruleFiles, ...(settings ? { settings } : {}), ...(pairFiles.length > 0 ? { pairFiles } : {}), ...(pools ? { pools } : {}) };
}

function fileProblem(e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case 'ENOENT':
      return 'it was deleted while the rules were read, or it is a link to a file that does not exist';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied: let the user the router runs as read it (chmod a+r)';
    case 'EISDIR':
      return 'it is a folder, not a file';
    default:
      return e.message;
  }
}

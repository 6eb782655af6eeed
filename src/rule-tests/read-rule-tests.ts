import { readdir, readFile } from 'node:fs/promises';
import { isHiddenSegment } from '../source/hidden-entry.js';
import { join, relative, sep } from 'node:path';
import type { SourceFile } from '../source/parse-yaml.js';
import { RULE_TESTS_DIR } from '../rules/read-rules-dir.js';

const TEST_FILE = /\.ya?ml$/i;

/**
 * The rule test files of a rules folder (its `tests/` sub-folder, sorted by path), named
 * relative to the rules folder like rule files are. No such folder means no tests.
 */
export async function readRuleTests(rulesDir: string): Promise<SourceFile[]> {
  const dir = join(rulesDir, RULE_TESTS_DIR);
  let entries;
  try {
    entries = await readdir(dir, { recursive: true, withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const paths: string[] = [];
  for (const entry of entries) {
    const rel = relative(rulesDir, join(entry.parentPath, entry.name)).split(sep).join('/');
    const hidden = rel.split('/').some((p) => isHiddenSegment(p));
    if ((entry.isFile() || entry.isSymbolicLink()) && !hidden && TEST_FILE.test(rel)) paths.push(rel);
  }
  paths.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return Promise.all(paths.map(async (file) => ({ file, text: await readFile(join(rulesDir, file), 'utf8') })));
}

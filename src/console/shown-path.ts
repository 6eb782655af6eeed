import { isAbsolute, relative, sep } from 'node:path';

/**
 * A file as the console shows it: relative to the rules folder, never absolute, so a page
 * does not tell a visitor where the server keeps its files.
 */
export function shownPath(file: string, rulesDir: string | undefined): string {
  let shown = file;
  if (rulesDir) {
    const rel = relative(rulesDir, file);
    if (!rel.startsWith('..') && !isAbsolute(rel)) shown = rel;
  }
  if (isAbsolute(shown)) shown = shown.split(sep).pop() ?? shown;
  return shown.split(sep).join('/');
}

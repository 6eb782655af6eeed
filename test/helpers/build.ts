import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../..', import.meta.url));
export const builtMain = join(root, 'dist/cli/main.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/** `npm run build`, only when src/ or schema/ is newer than dist/ (tests that run the built server). */
export function ensureBuilt(): void {
  const newest = Math.max(newestMtime(join(root, 'src')), newestMtime(join(root, 'schema')));
  if (!existsSync(builtMain) || newest > statSync(builtMain).mtimeMs) {
    execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore' });
  }
}

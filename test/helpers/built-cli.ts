import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../..', import.meta.url));
/** The built CLI, as `npm start` runs it: starts in a fraction of the time tsx takes. */
export const builtMain = join(root, 'dist/cli/main.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/**
 * Builds dist/ when the sources are newer. Test files run in parallel: a lock folder keeps two
 * of them from writing dist/ at once.
 */
export async function ensureBuilt(): Promise<void> {
  const lock = join(root, 'node_modules', '.cache', 'build-lock');
  mkdirSync(join(root, 'node_modules', '.cache'), { recursive: true });
  const started = Date.now();
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Another test file is building; a lock older than 3 minutes is from a killed run.
      if (Date.now() - started > 180_000 || (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 180_000)) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    if (!existsSync(builtMain) || newestMtime(join(root, 'src')) > statSync(builtMain).mtimeMs) {
      execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore' });
    }
  } finally {
    rmdirSync(lock);
  }
}

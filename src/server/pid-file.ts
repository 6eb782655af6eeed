import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';

/**
 * Writes this process's id to `path` (through a temporary file and a rename, so a reader never
 * sees half a number). Operators signal the router with `kill -HUP "$(cat path)"`, never by name.
 */
export function writePidFile(path: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, `${process.pid}\n`);
    renameSync(temporary, path);
  } catch (e) {
    rmSync(temporary, { force: true });
    const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'its folder does not exist' : e instanceof Error ? e.message : String(e);
    throw new PidFileError(`cannot write the pid file ${path}: ${reason}; create the folder or pick another path with --pid-file or PID_FILE`);
  }
}

/** Removes the pid file if it still names this process (a newer router may have taken the path). */
export function removePidFile(path: string): void {
  try {
    if (readFileSync(path, 'utf8').trim() === String(process.pid)) rmSync(path, { force: true });
  } catch {
    // Already gone, or unreadable: nothing of ours to remove.
  }
}

export class PidFileError extends Error {}

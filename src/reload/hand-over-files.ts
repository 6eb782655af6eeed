import { readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The files a loader process hands its packed rules over in. The server removes each once it
 * has read it; one whose loader died first (the server killed with -9 mid-reload, a loader
 * stopped by its time or memory budget) would stay in the temporary folder for good, 18 MB at
 * 100k rules, so each new loader sweeps those of loaders that are gone.
 */
const PATTERN = /^router-rules-(\d+)-\d+\.bin$/;

export function handOverFile(pid: number, n: number, dir = tmpdir()): string {
  return join(dir, `router-rules-${pid}-${n}.bin`);
}

/** Whether a process with this pid exists (EPERM: it does, someone else's). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the hand-over files of loaders no longer running. Never throws. */
export async function sweepHandOvers(dir = tmpdir()): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const orphans = names.filter((name) => {
    const pid = PATTERN.exec(name)?.[1];
    return pid !== undefined && !isAlive(Number(pid));
  });
  await Promise.all(orphans.map((name) => rm(join(dir, name), { force: true }).catch(() => undefined)));
}

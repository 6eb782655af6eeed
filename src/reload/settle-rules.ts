import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { listRulesDir } from '../rules/read-rules-dir.js';

/**
 * What the files of a rules folder look like from outside: each file's name, size and
 * modification time. Two equal snapshots around a read mean no write happened during it.
 * A folder that cannot be listed gives '' (the load reports why).
 */
export async function snapshotRules(dir: string): Promise<string> {
  let list;
  try {
    list = await listRulesDir(dir);
  } catch {
    return '';
  }
  const files = [...list.ruleFiles, ...list.pairFiles, ...(list.settings ? [list.settings] : []), ...(list.pools ? [list.pools] : [])];
  const parts = await Promise.all(
    files.map(async (file) => {
      try {
        const s = await stat(join(dir, file));
        return `${file}\0${s.size}\0${s.mtimeMs}`;
      } catch {
        // Deleted between the listing and now: part of a change, like any other.
        return `${file}\0gone`;
      }
    }),
  );
  return parts.join('\n');
}

export interface SettleOptions {
  /** How long nothing may change before the files count as written (the watcher's wait too). */
  quietMs: number;
  /** Stop waiting after this long and read anyway; the read's own check still guards it. */
  maxWaitMs: number;
}

/** Resolves with the folder's snapshot once no file has changed for `quietMs`. */
export async function waitForQuiet(dir: string, { quietMs, maxWaitMs }: SettleOptions): Promise<string> {
  const started = Date.now();
  const poll = Math.max(10, Math.round(quietMs / 4));
  let last = await snapshotRules(dir);
  let quietSince = Date.now();
  while (Date.now() - quietSince < quietMs && Date.now() - started < maxWaitMs) {
    await new Promise((resolve) => setTimeout(resolve, poll));
    const now = await snapshotRules(dir);
    if (now !== last) {
      last = now;
      quietSince = Date.now();
    }
  }
  return last;
}

import { lstatSync, realpathSync, statSync, watch as watchEntries, type FSWatcher as EntryWatcher, type Stats } from 'node:fs';
import { isHiddenSegment } from '../source/hidden-entry.js';
import { basename, dirname, relative, resolve as resolvePath, sep } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';

export interface RulesWatcher {
  close(): Promise<void>;
}

export interface WatchOptions {
  /** Quiet time after the last change before `onChange` runs: one reload per burst of saves. */
  debounceMs?: number;
  /** How long a file's size must stay the same before it counts as written. */
  writeFinishMs?: number;
  onError?: (e: Error) => void;
}

// Rule and settings files, and the masking-pair tables (.csv) that load with them.
const RULE_FILE = /\.(ya?ml|csv)$/i;

/**
 * Whether a change at `rel` (relative to the rules folder) can change the rules. Hidden entries
 * (`.git`, vim's `.x.yaml.swp`) and backups (`x.yaml~`) cannot; Kubernetes' `..data` link and
 * `..2024_…` folders can, because the visible files of a mounted ConfigMap point into them.
 */
export function isWatchedPath(rel: string, stats?: Stats): boolean {
  if (rel === '') return true;
  const parts = rel.split(/[\\/]/);
  if (parts.some((p) => isHiddenSegment(p, true))) return false;
  // chokidar asks once without stats; decide on the name only then, and again once it knows.
  return !stats?.isFile() || RULE_FILE.test(rel);
}

/**
 * Whether the watcher may follow the link at `path`: a link to a folder is followed only when
 * that folder lies inside the rules folder (`root`, resolved) and does not contain the link
 * itself. `up -> ..` would make it crawl the parent tree, `loop -> .` go round for ever.
 * Links to files (ConfigMaps' `a.yaml -> ..data/a.yaml`) are followed wherever they point.
 */
function isFollowableLink(path: string, root: string): boolean {
  let target: string;
  try {
    if (!lstatSync(path).isSymbolicLink() || !statSync(path).isDirectory()) return true;
    target = realpathSync(path);
  } catch {
    // Gone or dangling: nothing to crawl; the reload reports what it cannot read.
    return true;
  }
  const inside = (child: string, parent: string) => child === parent || child.startsWith(parent + sep);
  if (!inside(target, root)) return false;
  let home: string;
  try {
    home = realpathSync(dirname(path));
  } catch {
    return false;
  }
  return !inside(home, target);
}

/**
 * Watches the rules folder (sub-folders and symlinks too) and calls `onChange` once a burst of
 * changes has settled and the files are completely written. It does not say what changed: the
 * caller reloads the whole folder, which is the only way to see it as one consistent set.
 *
 * The folder's own entry in its parent is watched too, because a deploy may replace the whole
 * folder (`rm -rf rules && cp -r new rules`) or swap a symlink to it (`current -> release-2`);
 * the folder watcher is then started again on the new folder. Resolves once it is armed.
 */
export async function watchRules(dir: string, onChange: () => void, options: WatchOptions = {}): Promise<RulesWatcher> {
  const { debounceMs = 100, writeFinishMs = 100, onError } = options;
  const reportError = (e: unknown) => onError?.(e instanceof Error ? e : new Error(String(e)));
  let timer: NodeJS.Timeout | undefined;
  const changed = () => {
    clearTimeout(timer);
    timer = setTimeout(onChange, debounceMs);
  };

  const watchFolder = async (): Promise<FSWatcher> => {
    let root: string;
    try {
      root = realpathSync(dir);
    } catch {
      root = resolvePath(dir);
    }
    const watcher = watch(dir, {
      ignoreInitial: true,
      followSymlinks: true,
      // The link check's lstat is only for what may be a link to a folder: chokidar asks again
      // with stats (a link's own, or its target's) before it follows anything.
      ignored: (path, stats) =>
        !isWatchedPath(relative(dir, path).split(sep).join('/'), stats) || (path !== dir && stats !== undefined && (stats.isDirectory() || stats.isSymbolicLink()) && !isFollowableLink(path, root)),
      // Editors and `cp` write big files in several steps; wait until the size holds still.
      awaitWriteFinish: { stabilityThreshold: writeFinishMs, pollInterval: Math.max(10, Math.round(writeFinishMs / 4)) },
    });
    watcher.on('all', changed);
    // chokidar says nothing about a new file it cannot read or a link to nothing; the raw
    // event still arrives, and the reload then reports the file by name.
    watcher.on('raw', (_event, name) => {
      if (typeof name === 'string' && RULE_FILE.test(name) && isWatchedPath(name)) changed();
    });
    watcher.on('error', (e) => {
      reportError(e);
      changed();
    });
    await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
    return watcher;
  };

  let folder = await watchFolder();
  let restarting = Promise.resolve();
  const full = resolvePath(dir);
  // The parent's own watcher, not chokidar's: chokidar re-lists a folder (an lstat per entry) on
  // every event in it, and the parent may be busy (a decision log written next to the rules
  // folder cost ~90 ms of CPU a second). Only events naming the rules folder's entry count.
  const entry: EntryWatcher = watchEntries(dirname(full), (_event, name) => {
    if (name !== null && name.toString() !== basename(full)) return;
    restarting = restarting
      .then(async () => {
        await folder.close();
        folder = await watchFolder();
        changed();
      })
      .catch(reportError);
  });
  entry.on('error', reportError);

  return {
    close: async () => {
      clearTimeout(timer);
      entry.close();
      await restarting;
      await folder.close();
    },
  };
}

import type { Stats } from 'node:fs';
import { relative, sep } from 'node:path';
import { watch } from 'chokidar';

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

const RULE_FILE = /\.ya?ml$/i;

/**
 * Whether a change at `rel` (relative to the rules folder) can change the rules. Hidden entries
 * (`.git`, vim's `.x.yaml.swp`) and backups (`x.yaml~`) cannot; Kubernetes' `..data` link and
 * `..2024_…` folders can, because the visible files of a mounted ConfigMap point into them.
 */
export function isWatchedPath(rel: string, stats?: Stats): boolean {
  if (rel === '') return true;
  const parts = rel.split(/[\\/]/);
  if (parts.some((p) => (p.startsWith('.') && !p.startsWith('..')) || p.startsWith('~') || p.endsWith('~'))) return false;
  // chokidar asks once without stats; decide on the name only then, and again once it knows.
  return !stats?.isFile() || RULE_FILE.test(rel);
}

/**
 * Watches the rules folder (sub-folders and symlinks too) and calls `onChange` once a burst of
 * changes has settled and the files are completely written. It does not say what changed: the
 * caller reloads the whole folder, which is the only way to see it as one consistent set.
 * Resolves once the watcher is armed.
 */
export async function watchRules(dir: string, onChange: () => void, options: WatchOptions = {}): Promise<RulesWatcher> {
  const { debounceMs = 100, writeFinishMs = 100, onError } = options;
  const watcher = watch(dir, {
    ignoreInitial: true,
    followSymlinks: true,
    ignored: (path, stats) => !isWatchedPath(relative(dir, path).split(sep).join('/'), stats),
    // Editors and `cp` write big files in several steps; wait until the size holds still.
    awaitWriteFinish: { stabilityThreshold: writeFinishMs, pollInterval: Math.max(10, Math.round(writeFinishMs / 4)) },
  });
  let timer: NodeJS.Timeout | undefined;
  watcher.on('all', () => {
    clearTimeout(timer);
    timer = setTimeout(onChange, debounceMs);
  });
  watcher.on('error', (e) => onError?.(e instanceof Error ? e : new Error(String(e))));
  await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return {
    close: async () => {
      clearTimeout(timer);
      await watcher.close();
    },
  };
}

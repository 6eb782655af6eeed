import { formatDiagnostic } from '../diagnostics/format-diagnostic.js';
import { error } from '../diagnostics/diagnostic.js';
import type { Logger } from '../log/logger.js';
import type { BuildResult } from '../rules/build-rule-set.js';
import type { LiveRules } from './live-rules.js';
import { snapshotRules, waitForQuiet, type SettleOptions } from './settle-rules.js';

/** What one reload did; returned to POST /admin/reload and logged as one line. */
export interface ReloadReport {
  ok: boolean;
  /** What asked for it: `file-change`, `SIGHUP`, `admin`. */
  trigger: string;
  /** The version serving after the reload: the new one, or the old one kept after a failure. */
  version: string;
  rules: number;
  files: number;
  durationMs: number;
  errors: string[];
  warnings: string[];
}

export interface RulesReloaderOptions {
  dir: string;
  live: LiveRules;
  log: Logger;
  /** Loads the whole folder; `loadRulesInWorker` in the server. */
  load: (dir: string) => Promise<BuildResult>;
  /** Called once per reload that ran (e.g. to count it in /metrics). */
  onReport?: (report: ReloadReport) => void;
  /** How long the files must hold still before they are read. Default: 100 ms quiet, 10 s at most. */
  settle?: SettleOptions;
}

/** Reads of a folder that keeps changing under them before the reload gives up (and the next change tries again). */
const MAX_READS = 5;

/**
 * Reloads the whole rules folder and swaps the result into `live` when it is good. One reload
 * runs at a time; requests that arrive meanwhile share ONE further reload after it, which
 * sees every change made before it started.
 *
 * Every trigger (file change, SIGHUP, POST /admin/reload) takes the same path: wait until no
 * file has changed for a moment (a deploy copying several files, an editor saving in place),
 * read, and check that no file changed during the read (size or modification time). If one
 * did, what was read may be half a save: it is thrown away and the folder read again.
 */
export class RulesReloader {
  private running: Promise<ReloadReport> | undefined;
  private queued: Promise<ReloadReport> | undefined;

  constructor(private readonly options: RulesReloaderOptions) {}

  reload(trigger: string): Promise<ReloadReport> {
    if (!this.running) {
      this.running = this.run(trigger).finally(() => {
        this.running = undefined;
      });
      return this.running;
    }
    this.queued ??= this.running.then(() => {
      this.queued = undefined;
      return this.reload(trigger);
    });
    return this.queued;
  }

  private async loadOnce(): Promise<BuildResult> {
    const { dir, load } = this.options;
    try {
      return await load(dir);
    } catch (e) {
      return { diagnostics: [error('reload-failed', `cannot reload ${dir}: ${e instanceof Error ? e.message : String(e)}`)] };
    }
  }

  /** Whether a reload is running or waiting right now. */
  get busy(): boolean {
    return this.running !== undefined || this.queued !== undefined;
  }

  /** Resolves once no reload is running or waiting (for a clean shutdown). */
  async idle(): Promise<void> {
    while (this.running || this.queued) await (this.queued ?? this.running);
  }

  private async run(trigger: string): Promise<ReloadReport> {
    const { dir, live, log } = this.options;
    const settle = this.options.settle ?? { quietMs: 100, maxWaitMs: 10_000 };
    live.reloadStarted(trigger);
    const started = performance.now();
    let result: BuildResult;
    for (let reads = 1; ; reads++) {
      const before = await waitForQuiet(dir, settle);
      result = await this.loadOnce();
      if ((await snapshotRules(dir)) === before) break;
      if (reads >= MAX_READS) {
        result = { diagnostics: [error('reload-failed', `the rules files kept changing while they were read (${reads} times); nothing was published and the next save reloads them`)] };
        break;
      }
      log({ level: 'info', msg: 'rules-changed-while-reading', trigger, reads, detail: 'a file changed while it was read; waiting for the writes to finish and reading again' });
    }
    const durationMs = Math.round(performance.now() - started);
    const ok = live.apply(result, new Date(), { trigger, durationMs });
    const current = live.current();
    const report: ReloadReport = {
      ok,
      trigger,
      version: current.version,
      rules: current.rules.length,
      files: current.files.length,
      durationMs,
      errors: result.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic),
      warnings: result.diagnostics.filter((d) => d.severity === 'warning').map(formatDiagnostic),
    };
    log({ level: ok ? 'info' : 'error', msg: ok ? 'rules-reloaded' : 'rules-reload-failed', ...report, ...(ok ? {} : { kept: 'the previous rules keep serving' }) });
    this.options.onReport?.(report);
    return report;
  }
}

import { formatDiagnostic } from '../diagnostics/format-diagnostic.js';
import { error } from '../diagnostics/diagnostic.js';
import type { Logger } from '../log/logger.js';
import type { BuildResult } from '../rules/build-rule-set.js';
import type { LiveRules } from './live-rules.js';

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
}

/**
 * Reloads the whole rules folder and swaps the result into `live` when it is good. One reload
 * runs at a time; requests that arrive meanwhile share ONE further reload after it, which
 * sees every change made before it started.
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

  /** Whether a reload is running or waiting right now. */
  get busy(): boolean {
    return this.running !== undefined || this.queued !== undefined;
  }

  /** Resolves once no reload is running or waiting (for a clean shutdown). */
  async idle(): Promise<void> {
    while (this.running || this.queued) await (this.queued ?? this.running);
  }

  private async run(trigger: string): Promise<ReloadReport> {
    const { dir, live, log, load } = this.options;
    const started = performance.now();
    let result: BuildResult;
    try {
      result = await load(dir);
    } catch (e) {
      result = { diagnostics: [error('reload-failed', `cannot reload ${dir}: ${e instanceof Error ? e.message : String(e)}`)] };
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

import { formatDiagnostic } from '../diagnostics/format-diagnostic.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { RuleSet } from '../engine/rule-set.js';
import type { BuildResult } from '../rules/build-rule-set.js';

export interface ReloadAttempt {
  at: string;
  ok: boolean;
  version?: string;
  errors: string[];
  warnings: string[];
  /** What asked for the reload (`file-change`, `SIGHUP`, `admin`); absent for the first load. */
  trigger?: string;
  durationMs?: number;
}

export type AttemptDetails = Pick<ReloadAttempt, 'trigger' | 'durationMs'>;

export interface RulesHealth {
  status: 'ok' | 'degraded';
  version: string;
  rules: number;
  files: number;
  loadedAt: string;
  lastReload: ReloadAttempt;
}

/**
 * The rule set that answers calls right now. A new set replaces it in one assignment, and only
 * when it built without errors: a bad edit leaves the last good rules serving.
 */
export class LiveRules {
  private ruleSet: RuleSet;
  private loadedAt: Date;
  private lastAttempt: ReloadAttempt;
  private lastDiagnostics: readonly Diagnostic[] = [];

  constructor(initial: RuleSet, now: Date = new Date()) {
    this.ruleSet = initial;
    this.loadedAt = now;
    this.lastAttempt = { at: now.toISOString(), ok: true, trigger: 'startup', version: initial.version, errors: [], warnings: [] };
  }

  current(): RuleSet {
    return this.ruleSet;
  }

  /** Swaps in `result.ruleSet` if it built cleanly; returns whether it did. */
  apply(result: BuildResult, now: Date = new Date(), details: AttemptDetails = {}): boolean {
    const texts = (severity: Diagnostic['severity']) => result.diagnostics.filter((d) => d.severity === severity).map(formatDiagnostic);
    const ok = result.ruleSet !== undefined;
    this.lastDiagnostics = result.diagnostics;
    this.lastAttempt = {
      at: now.toISOString(),
      ok,
      ...(result.ruleSet ? { version: result.ruleSet.version } : {}),
      errors: texts('error'),
      warnings: texts('warning'),
      ...details,
    };
    if (result.ruleSet) {
      this.ruleSet = result.ruleSet;
      this.loadedAt = now;
    }
    return ok;
  }

  /** The last load's errors and warnings as values (the console shows them with their source lines). */
  diagnostics(): readonly Diagnostic[] {
    return this.lastDiagnostics;
  }

  health(): RulesHealth {
    return {
      status: this.lastAttempt.ok ? 'ok' : 'degraded',
      version: this.ruleSet.version,
      rules: this.ruleSet.rules.length,
      files: this.ruleSet.files.length,
      loadedAt: this.loadedAt.toISOString(),
      lastReload: this.lastAttempt,
    };
  }
}

import type { Diagnostic, DiagnosticCode } from '../diagnostics/diagnostic.js';
import type { Action, Rule, RuleSet } from '../engine/rule-set.js';
import type { ParsedFile, YamlPath } from '../source/parse-yaml.js';
import type { RulesFile } from '../types/generated/rules.js';
import type { Settings } from '../types/generated/settings.js';

/** A file as a lint sees it: its data as written, and where each node of it is. */
export interface LintFile<T> {
  file: string;
  data: T;
  locate: ParsedFile['locate'];
}

/** One compiled rule next to what its author wrote. */
export interface LintRule {
  rule: Rule;
  raw: RulesFile['rules'][number];
  /** ['rules', i] in its file. */
  path: YamlPath;
  source: LintFile<RulesFile>;
}

/** One compiled action of a rule (or of the fallback) and where it is written. */
export interface ActionSite {
  action: Action;
  /** undefined for the fallback in settings.yaml. */
  owner: LintRule | undefined;
  path: YamlPath;
  source: LintFile<unknown>;
}

export interface LintContext {
  ruleSet: RuleSet;
  files: readonly LintFile<RulesFile>[];
  rules: readonly LintRule[];
  settings?: LintFile<Settings>;
  actions: readonly ActionSite[];
}

/** A check on rules that load fine but probably do not do what the author meant. Reports warnings. */
export interface Lint {
  code: DiagnosticCode;
  /** One line for the README and `--help`. */
  summary: string;
  run(ctx: LintContext): Diagnostic[];
}

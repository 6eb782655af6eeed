import { buildRuleSet, type BuildResult } from '../../src/rules/build-rule-set.js';
import type { RuleSet } from '../../src/engine/rule-set.js';
import { decide, type Decision } from '../../src/engine/decide.js';
import { makeCallActionPayload } from '../../src/events/make-event.js';
import type { CallActionPayload } from '../../src/types/generated/call-action.js';

export interface Folder {
  settings?: string;
  rules: Record<string, string>;
  pairs?: Record<string, string>;
}

/** Builds a rule set from in-memory files, the same way loadRules does from disk. */
export function build(folder: Folder): BuildResult {
  return buildRuleSet({
    ruleFiles: Object.entries(folder.rules).map(([file, text]) => ({ file, text })),
    ...(folder.settings === undefined ? {} : { settings: { file: 'settings.yaml', text: folder.settings } }),
    ...(folder.pairs ? { pairFiles: Object.entries(folder.pairs).map(([file, text]) => ({ file, text })) } : {}),
  });
}

/** A rule set that must build without errors. */
export function mustBuild(folder: Folder): RuleSet {
  const result = build(folder);
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  if (!result.ruleSet) throw new Error(`rules did not build:\n${errors.map((d) => `${d.file}:${d.line}:${d.col}: ${d.message}`).join('\n')}`);
  return result.ruleSet;
}

/** `file:line:col: code` of every diagnostic, for exact assertions. */
export function where(result: BuildResult): string[] {
  return result.diagnostics.map((d) => `${d.file}:${d.line}:${d.col}: ${d.code}`);
}

export function call(ruleSet: RuleSet, fields: Partial<CallActionPayload>, now?: Date): Decision {
  return decide(ruleSet, makeCallActionPayload(fields), now ? { now } : {});
}

/** The rule id that answered, or `fallback`. */
export function ruleFor(ruleSet: RuleSet, fields: Partial<CallActionPayload>, now?: Date): string {
  const d = call(ruleSet, fields, now);
  return d.outcome === 'matched' ? d.ruleId : 'fallback';
}

export const VOICE = 'voiceProfile: en-US-ZiraRUS\n';

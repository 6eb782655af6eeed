import { buildRuleSet, type RuleSources } from '../../src/rules/build-rule-set.js';
import type { RuleSet } from '../../src/engine/rule-set.js';

export const SETTINGS = 'voiceProfile: en-US-ZiraRUS\n';

/** Sources from a few inline YAML files (name -> text), as the loader would read them. */
export function sources(files: Record<string, string>, settings: string | undefined = SETTINGS): RuleSources {
  const ruleFiles = Object.entries(files).map(([file, text]) => ({ file, text }));
  return settings === undefined ? { ruleFiles } : { ruleFiles, settings: { file: 'settings.yaml', text: settings } };
}

/** A rule set that must build; a test that feeds broken rules fails here with the reasons. */
export function ruleSetOf(src: RuleSources): RuleSet {
  const result = buildRuleSet(src);
  if (!result.ruleSet) throw new Error(`rules did not build: ${result.diagnostics.map((d) => d.message).join('; ')}`);
  return result.ruleSet;
}

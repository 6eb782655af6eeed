import type { RuleSources } from '../../src/rules/build-rule-set.js';
import type { RuleSet } from '../../src/engine/rule-set.js';
import { mustBuild } from './routing-build.js';

const SETTINGS = 'voiceProfile: en-US-ZiraRUS\n';

/** Sources from a few inline YAML files (name -> text), as the loader would read them. */
export function sources(files: Record<string, string>, settings: string | undefined = SETTINGS): RuleSources {
  const ruleFiles = Object.entries(files).map(([file, text]) => ({ file, text }));
  return settings === undefined ? { ruleFiles } : { ruleFiles, settings: { file: 'settings.yaml', text: settings } };
}

/** A rule set that must build; a test that feeds broken rules fails here with the reasons. */
export function ruleSetOf(src: RuleSources): RuleSet {
  const rules = Object.fromEntries(src.ruleFiles.map((f) => [f.file, f.text]));
  return mustBuild(src.settings ? { rules, settings: src.settings.text } : { rules });
}

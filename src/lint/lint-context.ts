import type { RuleSet } from '../engine/rule-set.js';
import type { RuleSources } from '../rules/build-rule-set.js';
import { parseYaml } from '../source/parse-yaml.js';
import { parseRulesYaml } from '../source/parse-yaml-fast.js';
import type { RulesFile } from '../types/generated/rules.js';
import type { Settings } from '../types/generated/settings.js';
import type { ActionSite, LintContext, LintFile, LintRule } from './lint.js';

/**
 * Puts each compiled rule next to its YAML. Only called on a rule set that built without errors,
 * so every file parses and rules come in file order, as buildRuleSet compiled them.
 */
export function makeLintContext(ruleSet: RuleSet, sources: RuleSources): LintContext {
  const files: LintFile<RulesFile>[] = [];
  const rules: LintRule[] = [];
  const actions: ActionSite[] = [];
  for (const sourceFile of sources.ruleFiles) {
    // Big files take the fast path, as when they loaded; positions are looked up only for warnings.
    const parsed = parseRulesYaml(sourceFile);
    const data = parsed.data as RulesFile | null | undefined;
    if (!data) continue;
    const source: LintFile<RulesFile> = { file: sourceFile.file, data, locate: parsed.locate };
    files.push(source);
    // Rules that menus compile into have no place in `rules:`.
    const compiled = ruleSet.rules.filter((r) => r.file === sourceFile.file && !r.menu);
    data.rules.forEach((raw, i) => {
      const rule = compiled[i];
      if (!rule) return;
      const lintRule: LintRule = { rule, raw, path: ['rules', i], source };
      rules.push(lintRule);
      rule.actions.forEach((action, j) => actions.push({ action, owner: lintRule, path: ['rules', i, 'then', j], source }));
    });
  }
  let settings: LintFile<Settings> | undefined;
  if (sources.settings) {
    const parsed = parseYaml(sources.settings);
    settings = { file: sources.settings.file, data: (parsed.data ?? {}) as Settings, locate: parsed.locate };
    if (settings.data.fallback) {
      const at = settings;
      ruleSet.fallback.forEach((action, j) => actions.push({ action, owner: undefined, path: ['fallback', j], source: at }));
    }
  }
  return { ruleSet, files, rules, actions, ...(settings ? { settings } : {}) };
}

/** `rule \`x\`` or `the fallback`, for messages. */
export function ownerName(site: ActionSite): string {
  return site.owner ? `rule \`${site.owner.rule.id}\`` : 'the fallback';
}

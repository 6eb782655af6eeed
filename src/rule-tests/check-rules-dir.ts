import { join } from 'node:path';
import { error, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { RuleSet } from '../engine/rule-set.js';
import { makeLintContext } from '../lint/lint-context.js';
import { runLints } from '../lint/run-lints.js';
import { inFolder, loadRules, shownPath } from '../rules/load-rules.js';
import { RULE_TESTS_DIR } from '../rules/read-rules-dir.js';
import { parseRuleTests, type RuleTest } from './parse-rule-tests.js';
import { readRuleTests } from './read-rule-tests.js';
import { runRuleTests } from './run-rule-tests.js';

export interface CheckResult {
  ruleSet?: RuleSet;
  /** Load errors, lint warnings, test-file problems and failed tests; files named `dir/file`. */
  diagnostics: Diagnostic[];
  texts: Map<string, string>;
  /** The parsed tests, file names as `dir/tests/…`. */
  tests: RuleTest[];
  testsPassed: number;
  testsFailed: number;
}

/** Everything `validate` checks in one rules folder: load, lint, then the rule tests at `now`. */
export async function checkRulesDir(dir: string, now: Date | undefined): Promise<CheckResult> {
  const loaded = await loadRules(dir, { keepParsed: true });
  const shown = inFolder(dir);
  const diagnostics = [...loaded.diagnostics];
  const texts = new Map(loaded.texts);

  if (loaded.ruleSet && loaded.parsed) diagnostics.push(...runLints(makeLintContext(loaded.ruleSet, loaded.parsed)).map(shown));

  const tests: RuleTest[] = [];
  let testFiles: Awaited<ReturnType<typeof readRuleTests>> = [];
  try {
    testFiles = await readRuleTests(dir);
  } catch (e) {
    diagnostics.push(error('unreadable', `cannot read the rule tests in ${join(dir, RULE_TESTS_DIR)}: ${e instanceof Error ? e.message : String(e)}`));
  }
  for (const f of testFiles) {
    texts.set(shownPath(dir, f.file), f.text);
    const parsed = parseRuleTests(f);
    diagnostics.push(...parsed.diagnostics.map(shown));
    tests.push(...parsed.tests.map((t) => ({ ...t, file: shownPath(dir, t.file) })));
  }
  let testsPassed = 0;
  let testsFailed = 0;
  if (loaded.ruleSet) {
    const run = runRuleTests(loaded.ruleSet, tests, now ? { now } : {});
    diagnostics.push(...run.diagnostics);
    testsPassed = run.passed;
    testsFailed = run.failed;
  }
  return { ...(loaded.ruleSet ? { ruleSet: loaded.ruleSet } : {}), diagnostics, texts, tests, testsPassed, testsFailed };
}

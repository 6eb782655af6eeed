import type { Facts } from './event-facts.js';
import { INDEX_FIELDS, type Condition, type Matcher, type Rule, type RuleSet } from './rule-set.js';

export function testMatcher(matcher: Matcher, value: string | undefined): boolean {
  switch (matcher.kind) {
    case 'exact':
      return value !== undefined && matcher.values.has(value);
    case 'prefix':
      return value !== undefined && matcher.prefixes.some((p) => value.startsWith(p));
    case 'regex':
      return value !== undefined && matcher.regex.test(value);
    case 'not':
      return !testMatcher(matcher.inner, value);
    case 'anyOf':
      return matcher.options.some((m) => testMatcher(m, value));
  }
}

export function testCondition(condition: Condition, facts: Facts): boolean {
  return testMatcher(condition.matcher, facts[condition.field]);
}

/** The first condition of `rule` that the call does not meet, or undefined when all are met. */
export function firstFailedCondition(rule: Rule, facts: Facts): Condition | undefined {
  return rule.conditions.find((c) => !testCondition(c, facts));
}

/**
 * The first rule, in rule-set order, whose conditions all hold. Candidates come from the
 * exact-value index plus the unindexed rules; each list is in order, so we stop a list as
 * soon as it can no longer beat the best match found so far.
 */
export function matchEvent(ruleSet: RuleSet, facts: Facts): Rule | undefined {
  let best: Rule | undefined;
  const consider = (candidates: readonly Rule[]): void => {
    for (const rule of candidates) {
      if (best && rule.order >= best.order) return;
      if (firstFailedCondition(rule, facts) === undefined) {
        best = rule;
        return;
      }
    }
  };
  for (const field of INDEX_FIELDS) {
    const value = facts[field];
    if (value === undefined) continue;
    const candidates = ruleSet.index.byField.get(field)?.get(value);
    if (candidates) consider(candidates);
  }
  consider(ruleSet.index.unindexed);
  return best;
}

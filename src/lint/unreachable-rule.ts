import { warning, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { FieldCondition, Matcher, Rule } from '../engine/rule-set.js';
import type { Lint } from './lint.js';
import { covers } from './matcher-covers.js';

/** Whether every call `later` would take is already taken by `earlier`: each of earlier's conditions is implied by later's. */
export function takesEverythingOf(earlier: Rule, later: Rule): boolean {
  // A rule that calls the other party with no `else` lets callers without a pair through.
  if (earlier.needsPair && !earlier.elseActions) return false;
  return earlier.conditions.every((c) => {
    // Time windows are not compared: we cannot prove one covers another, so we never flag.
    if (c.kind !== 'field') return false;
    const mine = fieldConditions(later).find((l) => l.field === c.field);
    return mine !== undefined && covers(c.matcher, mine.matcher);
  });
}

function fieldConditions(rule: Rule): FieldCondition[] {
  return rule.conditions.filter((c): c is FieldCondition => c.kind === 'field');
}

/** A value every call `m` matches could carry, when `m` can only match listed values. */
function anyListedValue(m: Matcher): string | undefined {
  if (m.kind === 'exact') return m.values.values().next().value;
  if (m.kind === 'anyOf' && m.options[0]) return anyListedValue(m.options[0]);
  return undefined;
}

/**
 * For each rule, the earliest rule before it that takes every call it would, or -1.
 *
 * Comparing every pair is quadratic (minutes at 100k rules), so each earlier rule is filed under
 * its first exact condition: an exact `field: values` can only take every call of a later rule
 * whose own condition on that field lists nothing but those values, so a later rule looks only
 * in the buckets of its own listed values, plus the few rules with no exact condition at all.
 */
export function firstCoveringRules(rules: readonly Rule[]): number[] {
  const byValue = new Map<string, number[]>();
  const keyless: number[] = [];
  rules.forEach((rule, i) => {
    const key = fieldConditions(rule).find((c) => c.matcher.kind === 'exact');
    if (key?.matcher.kind !== 'exact') {
      keyless.push(i);
      return;
    }
    for (const v of key.matcher.values) {
      const bucket = `${key.field}\u0000${v}`;
      const list = byValue.get(bucket);
      if (list) list.push(i);
      else byValue.set(bucket, [i]);
    }
  });
  return rules.map((later, i) => {
    const lists = [keyless];
    for (const c of fieldConditions(later)) {
      const v = anyListedValue(c.matcher);
      const list = v === undefined ? undefined : byValue.get(`${c.field}\u0000${v}`);
      if (list) lists.push(list);
    }
    let best = -1;
    for (const list of lists) {
      for (const k of list) {
        if (k >= i || (best >= 0 && k >= best)) break;
        if (takesEverythingOf(rules[k]!, later)) {
          best = k;
          break;
        }
      }
    }
    return best;
  });
}

export const unreachableRule: Lint = {
  code: 'unreachable-rule',
  summary: 'a rule can never match, because an earlier rule already takes every call it would (a catch-all above it, or a broader rule)',
  run(ctx) {
    const out: Diagnostic[] = [];
    const rules = ctx.ruleSet.rules;
    firstCoveringRules(rules).forEach((j, i) => {
      const earlier = rules[j];
      const later = rules[i]!;
      if (!earlier) return;
      const why =
        earlier.conditions.length === 0
          ? `rule \`${earlier.id}\` (${earlier.file}:${earlier.line}) comes first and has no \`when\`, so it takes every call`
          : `rule \`${earlier.id}\` (${earlier.file}:${earlier.line}) comes first and takes every call this one would`;
      out.push(
        warning('unreachable-rule', `rule \`${later.id}\` can never match: ${why}. Move \`${later.id}\` above it, or make \`${earlier.id}\` narrower`, {
          file: later.file,
          line: later.line,
          col: later.col,
        }),
      );
    });
    return out;
  },
};

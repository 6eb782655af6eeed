import { warning, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { FieldCondition, MatchField, Rule } from '../engine/rule-set.js';
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

interface FieldIndex {
  /** Rules (by position) with no condition on the field, or a non-exact one: they may cover anything. */
  open: number[];
  /** Rules with an exact condition on the field, by each of its values. */
  exact: Map<string, number[]>;
}

/**
 * For each rule, the earliest rule before it that takes every call it would, or -1. Comparing
 * every pair is quadratic (seconds for thousands of rules), so a rule with an exact condition
 * is compared only with rules that leave that field open or accept the same value.
 */
export function firstCoveringRules(rules: readonly Rule[]): number[] {
  const fields = new Map<MatchField, FieldIndex>();
  for (const rule of rules) for (const c of fieldConditions(rule)) if (!fields.has(c.field)) fields.set(c.field, { open: [], exact: new Map() });
  rules.forEach((rule, i) => {
    for (const [field, index] of fields) {
      const c = fieldConditions(rule).find((x) => x.field === field);
      if (c?.matcher.kind !== 'exact') {
        index.open.push(i);
        continue;
      }
      for (const v of c.matcher.values) {
        const list = index.exact.get(v);
        if (list) list.push(i);
        else index.exact.set(v, [i]);
      }
    }
  });
  return rules.map((later, i) => {
    const key = fieldConditions(later).find((c) => c.matcher.kind === 'exact');
    const firstValue = key?.matcher.kind === 'exact' ? key.matcher.values.values().next().value : undefined;
    const index = key ? fields.get(key.field) : undefined;
    const lists = index && firstValue !== undefined ? [index.open, index.exact.get(firstValue) ?? []] : [rules.map((_, k) => k)];
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

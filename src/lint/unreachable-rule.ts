import { warning, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { Rule } from '../engine/rule-set.js';
import type { Lint } from './lint.js';
import { covers } from './matcher-covers.js';

/** Whether every call `later` would take is already taken by `earlier`: each of earlier's conditions is implied by later's. */
export function takesEverythingOf(earlier: Rule, later: Rule): boolean {
  return earlier.conditions.every((c) => {
    const mine = later.conditions.find((l) => l.field === c.field);
    return mine !== undefined && covers(c.matcher, mine.matcher);
  });
}

export const unreachableRule: Lint = {
  code: 'unreachable-rule',
  summary: 'a rule can never match, because an earlier rule already takes every call it would (a catch-all above it, or a broader rule)',
  run(ctx) {
    const out: Diagnostic[] = [];
    const rules = ctx.ruleSet.rules;
    rules.forEach((later, i) => {
      const earlier = rules.slice(0, i).find((e) => takesEverythingOf(e, later));
      if (!earlier) return;
      const why = earlier.conditions.length === 0 ? `rule \`${earlier.id}\` (${earlier.file}:${earlier.line}) comes first and has no \`when\`, so it takes every call` : `rule \`${earlier.id}\` (${earlier.file}:${earlier.line}) comes first and takes every call this one would`;
      out.push(warning('unreachable-rule', `rule \`${later.id}\` can never match: ${why}. Move \`${later.id}\` above it, or make \`${earlier.id}\` narrower`, { file: later.file, line: later.line, col: later.col }));
    });
    return out;
  },
};

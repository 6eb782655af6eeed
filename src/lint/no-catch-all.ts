import { warning } from '../diagnostics/diagnostic.js';
import type { Lint } from './lint.js';

export const noCatchAll: Lint = {
  code: 'no-catch-all',
  summary: 'no rule matches every call, so some callers get the built-in fallback',
  run(ctx) {
    const rules = ctx.ruleSet.rules;
    if (rules.some((r) => r.conditions.length === 0)) return [];
    const last = rules[rules.length - 1];
    const message =
      'no rule matches every call: a call that no rule takes gets the fallback (settings.yaml `fallback:`, else an apology and hangup). ' + 'Add a last rule without `when:` to decide what those callers hear';
    return [warning('no-catch-all', message, last ? { file: last.file, line: last.line, col: last.col } : {})];
  },
};

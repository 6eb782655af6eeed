import { warning, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { Lint } from './lint.js';

/**
 * For Number Masking 8x8 wants the caller ID of makeCall to be the virtual number that was called.
 * We can only know that number when the rule pins `destination` to exact values.
 */
export const makeCallSource: Lint = {
  code: 'make-call-source-not-called-number',
  summary: 'a makeCall `source` that is not the virtual number being called (when the rule pins `destination`)',
  run(ctx) {
    const out: Diagnostic[] = [];
    for (const site of ctx.actions) {
      if (site.action.action !== 'makeCall' || site.action.source === undefined || !site.owner) continue;
      const pinned = site.owner.rule.conditions.find((c) => c.field === 'destination');
      if (pinned?.kind !== 'field' || pinned.matcher.kind !== 'exact' || pinned.matcher.values.has(site.action.source)) continue;
      const called = [...pinned.matcher.values];
      const calledText = called.length === 1 ? called[0] : `one of ${called.join(', ')}`;
      out.push(
        warning(
          'make-call-source-not-called-number',
          `makeCall source ${site.action.source} is not the number that was called (${calledText}): 8x8 Number Masking wants the caller ID to be ` +
            'that virtual number and may reject the call. Leave `source` out to use it',
          { file: site.source.file, ...site.source.locate([...site.path, 'makeCall', 'source']) },
        ),
      );
    }
    return out;
  },
};

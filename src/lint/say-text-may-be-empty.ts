import { warning, type Diagnostic } from '../diagnostics/diagnostic.js';
import { ownerName } from './lint-context.js';
import type { Lint } from './lint.js';
import { placeholders } from './template-bounds.js';

/** A say whose only words are placeholders says nothing when the call lacks those fields. */
export const sayTextMayBeEmpty: Lint = {
  code: 'say-text-may-be-empty',
  summary: 'a say text that is only {{placeholders}} (or blank), so it is empty for calls without those fields',
  run(ctx) {
    const out: Diagnostic[] = [];
    for (const site of ctx.actions) {
      if (site.action.action !== 'say') continue;
      const fixed = site.action.text.parts.filter((p): p is string => typeof p === 'string').join('');
      if (fixed.trim() !== '') continue;
      const fields = [...new Set(placeholders(site.action.text))].map((f) => `{{${f}}}`);
      const when = fields.length > 0 ? `when the call has no ${fields.join(' or ')}` : 'for every call';
      out.push(
        warning(
          'say-text-may-be-empty',
          `this say of ${ownerName(site)} is empty ${when}, and 8x8 rejects an empty say (the caller gets the fallback). ` +
            'Add words around the placeholder, like "You pressed {{dtmf}}."',
          { file: site.source.file, ...site.source.locate([...site.path, 'say']) },
        ),
      );
    }
    return out;
  },
};

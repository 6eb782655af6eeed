import { warning, type Diagnostic } from '../diagnostics/diagnostic.js';
import { MAX_SAY_LENGTH } from '../engine/render-callflow.js';
import type { TemplateField } from '../engine/rule-set.js';
import { ownerName } from './lint-context.js';
import type { Lint } from './lint.js';
import { placeholderMaxLengths, placeholders, worstCaseLength } from './template-bounds.js';

function sayTextTooLongLint(maxLengths: Readonly<Record<TemplateField, number>>): Lint {
  return {
    code: 'say-text-too-long',
    summary: `a say text that can be over 8x8's ${MAX_SAY_LENGTH} characters once its {{placeholders}} are filled in`,
    run(ctx) {
      const out: Diagnostic[] = [];
      for (const site of ctx.actions) {
        if (site.action.action !== 'say') continue;
        const worst = worstCaseLength(site.action.text, maxLengths);
        if (worst <= MAX_SAY_LENGTH) continue;
        const fields = [...new Set(placeholders(site.action.text))].map((f) => `{{${f}}}`).join(', ');
        out.push(
          warning(
            'say-text-too-long',
            `this say of ${ownerName(site)} can be ${worst} characters once ${fields} ${fields.includes(',') ? 'are' : 'is'} filled in, over 8x8's ${MAX_SAY_LENGTH}; ` +
              'such calls get the fallback instead. Shorten the text',
            { file: site.source.file, ...site.source.locate([...site.path, 'say']) },
          ),
        );
      }
      return out;
    },
  };
}

export const sayTextTooLong: Lint = sayTextTooLongLint(placeholderMaxLengths());

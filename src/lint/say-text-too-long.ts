import { warning, type Diagnostic } from '../diagnostics/diagnostic.js';
import { MAX_SAY_LENGTH } from '../engine/render-callflow.js';
import type { TemplateField } from '../engine/rule-set.js';
import type { Lint } from './lint.js';
import { spokenTexts } from './spoken-texts.js';
import { placeholderMaxLengths, placeholders, worstCaseLength } from './template-bounds.js';

function sayTextTooLongLint(maxLengths: Readonly<Record<TemplateField, number>>): Lint {
  return {
    code: 'say-text-too-long',
    summary: `a say text, prompt or menu words that can be over 8x8's ${MAX_SAY_LENGTH} characters once its {{placeholders}} are filled in`,
    run(ctx) {
      const out: Diagnostic[] = [];
      for (const spoken of spokenTexts(ctx)) {
        const worst = worstCaseLength(spoken.text, maxLengths);
        if (worst <= MAX_SAY_LENGTH) continue;
        const fields = [...new Set(placeholders(spoken.text))].map((f) => `{{${f}}}`).join(', ');
        out.push(
          warning(
            'say-text-too-long',
            `${spoken.what} can be ${worst} characters once ${fields} ${fields.includes(',') ? 'are' : 'is'} filled in, over 8x8's ${MAX_SAY_LENGTH}; ` + 'such calls get the fallback instead. Shorten the text',
            { file: spoken.source.file, ...spoken.source.locate(spoken.path) },
          ),
        );
      }
      return out;
    },
  };
}

export const sayTextTooLong: Lint = sayTextTooLongLint(placeholderMaxLengths());

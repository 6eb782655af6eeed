import { warning, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { Lint } from './lint.js';
import { spokenTexts } from './spoken-texts.js';
import { placeholders } from './template-bounds.js';

/** A say (or prompt, or menu words) whose only words are placeholders says nothing when the call lacks those fields. */
export const sayTextMayBeEmpty: Lint = {
  code: 'say-text-may-be-empty',
  summary: 'a say text, prompt or menu words that are only {{placeholders}} (or blank), so it is empty for calls without those fields',
  run(ctx) {
    const out: Diagnostic[] = [];
    for (const spoken of spokenTexts(ctx)) {
      const fixed = spoken.text.parts.filter((p): p is string => typeof p === 'string').join('');
      if (fixed.trim() !== '') continue;
      const fields = [...new Set(placeholders(spoken.text))].map((f) => `{{${f}}}`);
      const when = fields.length > 0 ? `when the call has no ${fields.join(' or ')}` : 'for every call';
      out.push(
        warning('say-text-may-be-empty', `${spoken.what} is empty ${when}, and 8x8 rejects an empty say (the caller gets the fallback). ` + 'Add words around the placeholder, like "You pressed {{dtmf}}."', {
          file: spoken.source.file,
          ...spoken.source.locate(spoken.path),
        }),
      );
    }
    return out;
  },
};

import { TEMPLATE_FIELDS, type Template, type TemplateField, type TemplatePart } from '../engine/rule-set.js';
import { didYouMean } from '../text/suggest.js';

export type TemplateResult = { ok: true; template: Template } | { ok: false; message: string };

const FIELDS: ReadonlySet<string> = new Set(TEMPLATE_FIELDS);

/** Splits "Hello {{source}}" once, at load time, so a call only concatenates. */
export function compileTemplate(text: string): TemplateResult {
  const parts: TemplatePart[] = [];
  let rest = text;
  while (rest.length > 0) {
    const open = rest.indexOf('{{');
    if (open < 0) {
      parts.push(rest);
      break;
    }
    if (open > 0) parts.push(rest.slice(0, open));
    const close = rest.indexOf('}}', open + 2);
    if (close < 0) return { ok: false, message: '`{{` is not closed: write placeholders like {{source}}' };
    const name = rest.slice(open + 2, close).trim();
    if (!FIELDS.has(name)) {
      const hint = didYouMean(name, TEMPLATE_FIELDS) || `; known placeholders: ${TEMPLATE_FIELDS.map((f) => `{{${f}}}`).join(', ')}`;
      return { ok: false, message: `unknown placeholder {{${name}}}${hint}` };
    }
    parts.push({ field: name as TemplateField });
    rest = rest.slice(close + 2);
  }
  return { ok: true, template: { parts } };
}

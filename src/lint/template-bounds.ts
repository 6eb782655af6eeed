import { TEMPLATE_FIELDS, type Template, type TemplateField } from '../engine/rule-set.js';
import { readSchema } from '../source/read-schema.js';

/** Longest value 8x8 may send for each placeholder, read from schema/call-action.schema.json. */
export function placeholderMaxLengths(): Readonly<Record<TemplateField, number>> {
  const schema = readSchema('call-action') as { definitions: Record<string, { maxLength?: number; $ref?: string; properties?: Record<string, { maxLength?: number; $ref?: string }> }> };
  const defs = schema.definitions;
  const props = defs.payload?.properties ?? {};
  const maxOf = (p: { maxLength?: number; $ref?: string } | undefined): number | undefined => p?.maxLength ?? (p?.$ref ? defs[p.$ref.replace('#/definitions/', '')]?.maxLength : undefined);
  const out = {} as Record<TemplateField, number>;
  for (const field of TEMPLATE_FIELDS) {
    // dtmf may also arrive inside eventData; its limit there is the same short string.
    out[field] = maxOf(props[field]) ?? 128;
  }
  return out;
}

/** The most characters this text can be once every placeholder is filled with the longest value allowed. */
export function worstCaseLength(template: Template, maxLengths: Readonly<Record<TemplateField, number>>): number {
  return template.parts.reduce((n, p) => n + (typeof p === 'string' ? p.length : maxLengths[p.field]), 0);
}

export function placeholders(template: Template): TemplateField[] {
  return template.parts.flatMap((p) => (typeof p === 'string' ? [] : [p.field]));
}

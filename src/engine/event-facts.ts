import type { CallActionPayload } from '../types/generated/call-action.js';
import { normalizePhone } from './phone.js';
import { COUNTRY_FIELDS, MATCH_FIELDS, PHONE_FIELDS, type MatchField, type TemplateField } from './rule-set.js';

/** The event's values as rules compare them: numbers in +E.164, country codes upper case. */
export type Facts = Readonly<Record<MatchField, string | undefined>>;

/** DTMF moved between payload versions: eventData.dtmf, then eventData as a string, then payload.dtmf. */
function readDtmf(payload: CallActionPayload): string | undefined {
  const data = payload.eventData;
  if (data && typeof data === 'object' && typeof data.dtmf === 'string') return data.dtmf;
  if (typeof data === 'string') return data;
  return typeof payload.dtmf === 'string' ? payload.dtmf : undefined;
}

export function rawField(payload: CallActionPayload, field: TemplateField): string | undefined {
  if (field === 'dtmf') return readDtmf(payload);
  const value = payload[field];
  return typeof value === 'string' ? value : undefined;
}

export function eventFacts(payload: CallActionPayload): Facts {
  const facts = {} as Record<MatchField, string | undefined>;
  for (const field of MATCH_FIELDS) {
    const value = rawField(payload, field);
    if (value === undefined) facts[field] = undefined;
    else if (PHONE_FIELDS.has(field)) facts[field] = normalizePhone(value);
    else if (COUNTRY_FIELDS.has(field)) facts[field] = value.toUpperCase();
    else facts[field] = value;
  }
  return facts;
}

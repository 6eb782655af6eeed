import { E164_SHAPE } from '../engine/phone.js';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

export type PhoneResult = { ok: true; e164: string } | { ok: false; message: string };

/** "+65 8765 4321", "6587654321" and "006587654321" all mean +6587654321. */
function withPlus(raw: string): string {
  const trimmed = raw.trim();
  if (trimmed.startsWith('+')) return trimmed;
  const digits = trimmed.replace(/[\s().-]/g, '');
  return digits.startsWith('00') ? `+${digits.slice(2)}` : `+${digits}`;
}

/** A number we will dial: it must be a real, dialable number for its country. */
export function parseDialableNumber(raw: string): PhoneResult {
  const parsed = parsePhoneNumberFromString(withPlus(raw));
  if (parsed?.isValid()) return { ok: true, e164: parsed.number };
  const country = parsed?.country ? ` for ${parsed.country} (+${parsed.countryCallingCode})` : '';
  return {
    ok: false,
    message: `"${raw}" is not a valid phone number${country}: write it in international format with the country code, like "+6587654321"`,
  };
}

/**
 * A number a rule compares against. The caller's number may be anything 8x8 sees, so we only
 * require the shape of E.164 (a + and 7 to 15 digits), normalised the way event numbers are.
 */
export function parseComparableNumber(raw: string): PhoneResult {
  const plus = withPlus(raw);
  const parsed = parsePhoneNumberFromString(plus);
  if (parsed?.isValid()) return { ok: true, e164: parsed.number };
  const compact = `+${plus.replace(/[^\d]/g, '')}`;
  if (/^[\d\s().+-]+$/.test(raw.trim()) && E164_SHAPE.test(compact)) return { ok: true, e164: compact };
  return {
    ok: false,
    message: `"${raw}" is not a phone number: write it in international format with the country code, like "+6591234567"`,
  };
}

/** A prefix of a phone number: formatting dropped and a leading + added, so "659" means "+659". */
export function normalizePhonePrefix(raw: string): PhoneResult {
  const plus = withPlus(raw);
  const compact = `+${plus.replace(/[^\d]/g, '')}`;
  if (!/^[\d\s().+-]+$/.test(raw.trim()) || compact === '+') {
    return { ok: false, message: `prefix "${raw}" is not the start of a phone number: use digits, like "+659"` };
  }
  return { ok: true, e164: compact };
}

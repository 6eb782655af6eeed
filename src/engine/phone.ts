/** Phone text as the engine compares it; rules and pair tables import it too. */

/** The shape of an E.164 number with its +: a country code and at most 15 digits in all. */
export const E164_SHAPE = /^\+[1-9]\d{6,14}$/;

/**
 * Cheap normalisation for numbers 8x8 sends (already E.164): drop formatting, 00 → +, add a
 * missing +. Anything that is not a number (e.g. "anonymous") is kept as it is.
 */
export function normalizePhone(raw: string): string {
  if (!/^[+\d][\d\s().-]*$/.test(raw)) return raw;
  const digits = raw.replace(/[^\d]/g, '');
  if (raw.startsWith('+')) return `+${digits}`;
  if (digits.startsWith('00')) return `+${digits.slice(2)}`;
  return `+${digits}`;
}

/**
 * 8x8's pages spell statuses several ways ("NO ANSWER", NO_ANSWER, CANCELLED, CANCELED, lower case):
 * one spelling per outcome, so counts and queries do not split.
 */
export function normalizeStatus(raw: string): string {
  const s = raw
    .trim()
    .toUpperCase()
    .replace(/[\s-]+/g, '_');
  return s === 'CANCELLED' ? 'CANCELED' : s;
}

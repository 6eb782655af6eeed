/**
 * A 32-bit hash of a text (FNV-1a, then murmur3's finaliser so ids that differ in one character
 * spread over the whole range), signed so SQLite stores it in 4 bytes. It only narrows a lookup:
 * different texts can share a hash, so every query compares the text itself too.
 */
export function textHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/** The hash of a text that may be missing (a status has no numbers): null stays null, unindexed. */
export function optionalHash(text: string | null): number | null {
  return text === null ? null : textHash(text);
}

import { timingSafeEqual, createHash, hash } from 'node:crypto';

/** Constant-time string comparison (hashing first makes the lengths equal). */
export function safeEqual(a: string, b: string): boolean {
  return secretMatcher(b)(a);
}

/**
 * A constant-time check against one secret, hashed once up front rather than on every request.
 * The candidate goes through the one-shot crypto.hash: a Hash object per request cost twice as much.
 */
export function secretMatcher(secret: string): (candidate: string) => boolean {
  const expected = createHash('sha256').update(secret).digest();
  return (candidate) => timingSafeEqual(hash('sha256', candidate, 'buffer'), expected);
}

/** The replay key: a hash of the whole body as received. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bodyKey } from '../src/store/replay-cache.js';

describe('the replay key', () => {
  const body = readFileSync(join(import.meta.dirname, 'fixtures/8x8/call-action.json'), 'utf8');

  it.each([
    ['one character of a field', body.replace(/("eventId":\s*")/, '$1x')],
    ['only whitespace', body.replace('{', '{ ')],
    ['a character outside ASCII', body.replace(/("eventId":\s*")/, '$1é')],
  ])('differs for bodies that differ in %s', (_what, other) => {
    expect(other).not.toBe(body);
    expect(bodyKey(other)).not.toBe(bodyKey(body));
  });

  it('is the same for the same body, and short whatever the body weighs', () => {
    expect(bodyKey(body)).toBe(bodyKey(`${body}`));
    expect(bodyKey('x'.repeat(60_000))).toHaveLength(bodyKey(body).length);
    expect(bodyKey(body).length).toBeLessThan(50);
  });
});

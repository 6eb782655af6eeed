import { describe, expect, it } from 'vitest';
import type { Pool } from '../src/engine/pool.js';
import { allocateNumber } from '../src/sessions/allocate.js';
import type { Session } from '../src/sessions/session.js';
import { SessionIndex } from '../src/sessions/session-index.js';

const SG1 = '+6568332049';
const SG2 = '+6568332050';
const MY1 = '+60312345678';
const pool = (numbers: [string, string][], coolOffMs = 0): Pool => ({ name: 'p', coolOffMs, numbers: numbers.map(([number, country]) => ({ number, country })), file: 'pools.yaml', line: 2 });
let ids = 0;
const open = (index: SessionIndex, vn: string, a: string, b: string, extra: Partial<Session> = {}): Session => {
  const s: Session = { id: `ses_${ids++}`, status: 'open', virtualNumber: vn, parties: [a, b], lastActivityAt: 0, createdAt: 0, ...extra };
  index.add(s);
  return s;
};
const A = '+6591110001';
const B = '+6592220001';

describe('allocateNumber', () => {
  it.each([
    [
      'prefers a number of the party country',
      [
        [MY1, 'MY'],
        [SG1, 'SG'],
      ],
      'SG',
      SG1,
    ],
    ['takes another country when none of the party country is free', [[MY1, 'MY']], 'SG', MY1],
    ['takes any number when the country is unknown', [[MY1, 'MY']], undefined, MY1],
  ] as const)('%s', (_name, numbers, country, expected) => {
    const got = allocateNumber(pool(numbers.map((n) => [...n])), [A, B], new SessionIndex(), 1000, country ? { country } : {});
    expect(got.number?.number).toBe(expected);
  });

  it('prefers the party country in a pool of 50,000 numbers of two countries', () => {
    const numbers: [string, string][] = Array.from({ length: 50_000 }, (_, i) => [i % 2 ? `+656${String(3_000_000 + i).padStart(7, '0')}` : `+603${String(10_000_000 + i)}`, i % 2 ? 'SG' : 'MY']);
    const big = pool(numbers);
    const index = new SessionIndex();
    expect(allocateNumber(big, [A, B], index, 1000, { country: 'SG' }).number?.country).toBe('SG');
    expect(allocateNumber(big, [A, B], index, 1000, { country: 'MY' }).number?.country).toBe('MY');
  });

  it('never gives a party a number on which they have an open session, and names them when none is left', () => {
    const index = new SessionIndex();
    open(index, SG1, A, '+6592220009');
    expect(
      allocateNumber(
        pool([
          [SG1, 'SG'],
          [SG2, 'SG'],
        ]),
        [A, B],
        index,
        1000,
      ).number?.number,
    ).toBe(SG2);
    open(index, SG2, '+6591110009', B);
    expect(
      allocateNumber(
        pool([
          [SG1, 'SG'],
          [SG2, 'SG'],
        ]),
        [A, B],
        index,
        1000,
      ),
    ).toEqual({ blockedBy: A });
  });

  it('a session past its end does not block', () => {
    const index = new SessionIndex();
    open(index, SG1, A, '+6592220009', { expiresAt: 500 });
    expect(allocateNumber(pool([[SG1, 'SG']]), [A, B], index, 1000).number?.number).toBe(SG1);
  });

  it.each([
    ['within the cool-off the number is not given back to the party', 1000 + 59_000, undefined],
    ['after the cool-off it is', 1000 + 60_000, SG1],
  ])('%s', (_name, at, expected) => {
    const index = new SessionIndex();
    const s = open(index, SG1, A, '+6592220009');
    index.remove(s, 1000);
    expect(allocateNumber(pool([[SG1, 'SG']], 60_000), [A, B], index, at).number?.number).toBe(expected);
  });

  it('skips numbers where the pin is taken', () => {
    const index = new SessionIndex();
    open(index, SG1, '+6591110009', '+6592220009', { pin: '1234' });
    expect(
      allocateNumber(
        pool([
          [SG1, 'SG'],
          [SG2, 'SG'],
        ]),
        [A, B],
        index,
        1000,
        { pin: '1234' },
      ).number?.number,
    ).toBe(SG2);
  });

  it('spreads sessions over the pool: no number gets two more than another', () => {
    const numbers: [string, string][] = Array.from({ length: 10 }, (_, i) => [`+656833${2000 + i}`, 'SG']);
    const p = pool(numbers);
    const index = new SessionIndex();
    for (let i = 0; i < 95; i++) {
      const a = `+659${String(1000000 + i)}`;
      const b = `+658${String(1000000 + i)}`;
      const got = allocateNumber(p, [a, b], index, 1000, { start: i * 7 });
      open(index, got.number!.number, a, b);
    }
    const loads = numbers.map(([n]) => index.loadOf(n));
    expect(Math.max(...loads) - Math.min(...loads)).toBeLessThanOrEqual(1);
  });
});

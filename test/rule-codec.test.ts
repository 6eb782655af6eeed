import { deserialize, serialize } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { RuleDecoder, RuleEncoder } from '../src/rules/rule-codec.js';

/** Encodes `values` as rules one after another and reads each back, as a packed rule set does. */
function roundTrip(values: unknown[]): unknown[] {
  const encoder = new RuleEncoder(16);
  const ends = values.map((v) => encoder.add(v));
  const { bytes, tables } = structuredClone(encoder.finish());
  const decoder = new RuleDecoder(bytes, tables);
  return ends.map((end, i) => decoder.decode(i === 0 ? 0 : ends[i - 1]!, end));
}

/** What the rules came back as before: one v8.serialize each. */
const viaV8 = (v: unknown) => deserialize(serialize(v));

class Window {
  constructor(readonly from: number) {}
}

describe('the packed rules encoding', () => {
  it('reads back every kind of value a rule holds as a v8 serialize round trip does', () => {
    const values: unknown[] = [
      { id: 'r1', order: 0, line: 3, col: 5, conditions: [{ kind: 'field', field: 'source', matcher: { kind: 'exact', values: new Set(['+6560000001']) }, source: '+6560000001' }] },
      { n: [-1, -0, 0.5, 2 ** 31, 2 ** 31 - 1, Number.NaN, Number.POSITIVE_INFINITY, 1e300], b: [true, false, null, undefined] },
      { text: 'Grüß Gott, 你好 👋', long: 'x'.repeat(5000), loneSurrogate: 'a\ud800b', longUnicode: 'ü'.repeat(300), ascii127: 'a'.repeat(127), ascii128: 'a'.repeat(128), empty: '' },
      {
        map: new Map<unknown, unknown>([
          ['a', 1],
          [2, { deep: [new Set([1, 'two'])] }],
        ]),
        when: new Date('2026-03-04T02:00:00Z'),
      },
      JSON.parse('{"__proto__": {"polluted": true}, "plain": 1}'),
      { '2': 'numeric keys first', b: 1, a: 2, '1': 'x' },
    ];
    const back = roundTrip(values);
    expect(back).toEqual(values.map(viaV8));
    expect(Object.getPrototypeOf(back[4])).toBe(Object.prototype);
    expect(Object.keys(back[4] as object)).toEqual(['__proto__', 'plain']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(back[5] as object)).toEqual(['1', '2', 'b', 'a']);
  });

  it('shares strings met often and keeps the rest in the bytes', () => {
    const rules = Array.from({ length: 1000 }, (_, i) => ({ kind: 'field', field: 'destinationRefId', id: `vn-${i}` }));
    const encoder = new RuleEncoder();
    for (const r of rules) encoder.add(r);
    const { tables } = encoder.finish();
    expect(tables.strings).toEqual(expect.arrayContaining(['field', 'destinationRefId']));
    expect(tables.strings.length).toBeLessThan(10);
    expect(tables.shapes).toEqual([['kind', 'field', 'id']]);
    expect(roundTrip(rules)).toEqual(rules);
  });

  it('keeps what plain data cannot say through v8, as before: class instances, cycles, holes', () => {
    const cyclic: Record<string, unknown> = { id: 'loop' };
    cyclic.self = cyclic;
    // biome-ignore lint/suspicious/noSparseArray: the hole is the point
    const holes = [1, , 3];
    const values = [{ w: new Window(9) }, cyclic, { holes }, { fine: 'after them' }];
    const back = roundTrip(values) as Record<string, unknown>[];
    expect(back).toEqual(values.map(viaV8));
    expect(back[1]!.self).toBe(back[1]);
    expect(1 in (back[2]!.holes as unknown[])).toBe(false);
  });

  it('refuses bytes that are not its own instead of making up a value', () => {
    const encoder = new RuleEncoder();
    const end = encoder.add({ a: 'b' });
    const { bytes, tables } = encoder.finish();
    expect(() => new RuleDecoder(bytes, tables).decode(0, end - 1)).toThrow();
    expect(() => new RuleDecoder(bytes, { strings: [], shapes: [] }).decode(0, end)).toThrow(/shape/);
    expect(() => new RuleDecoder(Uint8Array.of(99), tables).decode(0, 1)).toThrow(/unknown tag/);
  });
});

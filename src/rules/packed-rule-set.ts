import { INDEX_FIELDS, type MatchField, type Rule, type RuleIndex, type RuleSet } from '../engine/rule-set.js';
import { indexKey } from './build-rule-set.js';
import { reviveRegexes, type CompiledRegexes } from './linear-regex.js';
import { RuleDecoder, RuleEncoder, type RuleTables } from './rule-codec.js';

/**
 * A rule set in a few flat buffers, the shape a reload hands from the loader process to the
 * thread that answers calls. It crosses in one message (the buffers are copied as bytes, not
 * as objects), and the receiving side adopts it in one step: nothing is deserialised up front. A rule becomes
 * an object only when a call (or the console) asks for it, and only the recently asked ones are
 * kept, so 100k rules cost a few heap objects in all instead of dozens each.
 */
export interface PackedRuleSet {
  /** Everything but the rules and their index, as a structured clone carries it. */
  head: Omit<RuleSet, 'rules' | 'index'>;
  /** Every rule encoded (src/rules/rule-codec.ts) back to back: rule i is `bytes[offsets[i]..offsets[i + 1]]`. */
  bytes: Uint8Array;
  offsets: Uint32Array;
  /** The strings and object shapes the rules' bytes share. */
  tables: RuleTables;
  /** The index keys' values, one after another; key k is `keyText[keyStart[k]..keyStart[k + 1]]`. */
  keyText: string;
  keyStart: Uint32Array;
  /** Key k's field, as its position in INDEX_FIELDS. */
  keyField: Uint8Array;
  /** Open-addressing hash table of keys (k + 1; 0 is empty), at most half full. */
  slots: Int32Array;
  /** Rule orders filed under key k: `postings[postStart[k]..postStart[k + 1]]`, ascending. */
  postStart: Uint32Array;
  postings: Uint32Array;
  /** Orders of the rules no key files: scanned on every call. */
  unindexed: Uint32Array;
}

/** Packs a built rule set (in the loader process). */
export function packRuleSet(ruleSet: RuleSet): PackedRuleSet {
  const { rules, index: _index, ...head } = ruleSet;
  const encoder = new RuleEncoder(rules.length * 256);
  const offsets = new Uint32Array(rules.length + 1);
  // Key k is (keyField[k], values[k]), numbered as first met; its postings are a linked list
  // (in flat number arrays: no array per key), appended in rule order, so ascending.
  const keyOf = INDEX_FIELDS.map(() => new Map<string, number>());
  const values: string[] = [];
  const fields: number[] = [];
  const last: number[] = [];
  const postOrder: number[] = [];
  const postNext: number[] = [];
  const first: number[] = [];
  const unindexed: number[] = [];
  rules.forEach((rule, order) => {
    offsets[order + 1] = encoder.add(rule);
    const key = indexKey(rule);
    if (!key) return void unindexed.push(order);
    const field = INDEX_FIELDS.indexOf(key.field as (typeof INDEX_FIELDS)[number]);
    const ids = keyOf[field]!;
    for (const value of key.values) {
      const p = postOrder.push(order) - 1;
      postNext.push(-1);
      let k = ids.get(value);
      if (k === undefined) {
        k = values.push(value) - 1;
        ids.set(value, k);
        fields.push(field);
        first.push(p);
      } else postNext[last[k]!] = p;
      last[k] = p;
    }
  });
  const { bytes, tables } = encoder.finish();

  const keys = values.length;
  let slotCount = 16;
  while (slotCount < keys * 2) slotCount *= 2;
  const mask = slotCount - 1;
  const slots = new Int32Array(slotCount);
  const keyStart = new Uint32Array(keys + 1);
  const keyField = Uint8Array.from(fields);
  const postStart = new Uint32Array(keys + 1);
  const postings = new Uint32Array(postOrder.length);
  let textLength = 0;
  let posted = 0;
  for (let k = 0; k < keys; k++) {
    const value = values[k]!;
    textLength += value.length;
    keyStart[k + 1] = textLength;
    for (let p = first[k]!; p >= 0; p = postNext[p]!) postings[posted++] = postOrder[p]!;
    postStart[k + 1] = posted;
    let s = hashKey(fields[k]!, value) & mask;
    while (slots[s] !== 0) s = (s + 1) & mask;
    slots[s] = k + 1;
  }
  return { head, bytes, offsets, tables, keyText: values.join(''), keyStart, keyField, slots, postStart, postings, unindexed: Uint32Array.from(unindexed) };
}

/** Rules kept as objects at most (a power of two): a bounded few MB however many rules there are. */
const CACHED_RULES = 4096;
/**
 * Candidate lists longer than this (10,000 rules for one virtual number, each for another caller)
 * are kept whole once made, up to LONG_LISTS_RULES rules in all: every call to that number tries
 * them, and from the shelf's cache alone each was decoded again on every call (55 ms a call).
 */
const LONG_LIST = 256;
const LONG_LISTS_RULES = 32_768;

/**
 * The rule set the engine reads, over a packed one: `rules` is a read-only list that makes each
 * rule on access, and the index looks keys up in the hash table. Rules are made from bytes again
 * when they fall out of the cache, so one rule may be two equal objects over time; compare rules
 * by `order` or `id`, never by identity.
 */
export function unpackRuleSet(packed: PackedRuleSet): RuleSet {
  const rules = new RuleShelf(packed);
  return { ...packed.head, rules: rules.list, index: new PackedIndex(packed, rules) };
}

/** Makes rule objects from their bytes, keeping the recently made ones in a direct-mapped cache. */
class RuleShelf {
  readonly list: readonly Rule[];
  private readonly cache: (Rule | undefined)[];
  private readonly mask: number;
  private readonly regexes: CompiledRegexes = new Map();
  private readonly decoder: RuleDecoder;

  constructor(private readonly packed: PackedRuleSet) {
    this.decoder = new RuleDecoder(packed.bytes, packed.tables);
    const count = packed.offsets.length - 1;
    let size = 1;
    while (size < Math.min(count, CACHED_RULES)) size *= 2;
    this.cache = new Array<Rule | undefined>(size).fill(undefined);
    this.mask = size - 1;
    this.list = lazyList(count, (order) => this.at(order));
  }

  at(order: number): Rule {
    const slot = order & this.mask;
    const cached = this.cache[slot];
    if (cached?.order === order) return cached;
    const { offsets } = this.packed;
    const rule = this.decoder.decode(offsets[order]!, offsets[order + 1]!) as Rule;
    reviveRegexes([rule], this.regexes);
    this.cache[slot] = rule;
    return rule;
  }
}

/**
 * A read-only array of `length` items made by `item(i)` when read: indexing, `length`,
 * iteration and the array methods (find, filter, map, slice…) all work, and nothing is stored.
 */
function lazyList<T>(length: number, item: (i: number) => T): readonly T[] {
  const isIndex = (key: string | symbol): key is string => typeof key === 'string' && /^(0|[1-9]\d*)$/.test(key) && Number(key) < length;
  return new Proxy(new Array<T>(length), {
    get: (target, key, receiver) => (isIndex(key) ? item(Number(key)) : Reflect.get(target, key, receiver)),
    has: (target, key) => isIndex(key) || Reflect.has(target, key),
    getOwnPropertyDescriptor: (target, key) => (isIndex(key) ? { value: item(Number(key)), writable: false, enumerable: true, configurable: true } : Reflect.getOwnPropertyDescriptor(target, key)),
    ownKeys: (target) => [...Array.from({ length }, (_, i) => String(i)), ...Reflect.ownKeys(target)],
    set: () => false,
    deleteProperty: () => false,
    defineProperty: () => false,
  });
}

class PackedIndex implements RuleIndex {
  readonly unindexed: readonly Rule[];
  /** Long candidate lists by key, oldest first, and how many rules they hold in all. */
  private readonly longLists = new Map<number, readonly Rule[]>();
  private longListsRules = 0;

  constructor(
    private readonly packed: PackedRuleSet,
    private readonly rules: RuleShelf,
  ) {
    // Scanned on every call: kept as objects for the rule set's life.
    this.unindexed = Array.from(packed.unindexed, (order) => rules.at(order));
  }

  candidates(field: MatchField, value: string): readonly Rule[] | undefined {
    const { slots, keyField, keyStart, keyText, postStart, postings } = this.packed;
    const f = INDEX_FIELDS.indexOf(field as (typeof INDEX_FIELDS)[number]);
    if (f < 0) return undefined;
    const mask = slots.length - 1;
    for (let s = hashKey(f, value) & mask; ; s = (s + 1) & mask) {
      const k = slots[s]! - 1;
      if (k < 0) return undefined;
      const start = keyStart[k]!;
      if (keyField[k] !== f || keyStart[k + 1]! - start !== value.length || !keyText.startsWith(value, start)) continue;
      const kept = this.longLists.get(k);
      if (kept) return kept;
      const found: Rule[] = [];
      for (let p = postStart[k]!; p < postStart[k + 1]!; p++) found.push(this.rules.at(postings[p]!));
      if (found.length > LONG_LIST) this.keep(k, found);
      return found;
    }
  }

  private keep(k: number, list: readonly Rule[]): void {
    for (const [oldest, old] of this.longLists) {
      if (this.longListsRules + list.length <= LONG_LISTS_RULES) break;
      this.longLists.delete(oldest);
      this.longListsRules -= old.length;
    }
    if (this.longListsRules + list.length > LONG_LISTS_RULES) return;
    this.longLists.set(k, list);
    this.longListsRules += list.length;
  }
}

/** FNV-1a over the value's UTF-16 code units, seeded with the field. */
function hashKey(field: number, value: string): number {
  let h = (0x811c9dc5 ^ field) >>> 0;
  for (let i = 0; i < value.length; i++) {
    h ^= value.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Whether `value` has a packed rule set's shape with every offset and order in range (for one
 * read back from disk): the index can then never point outside the buffers.
 */
export function isPackedRuleSet(value: unknown): value is PackedRuleSet {
  if (typeof value !== 'object' || value === null) return false;
  const p = value as Partial<Record<keyof PackedRuleSet, unknown>>;
  if (typeof p.head !== 'object' || p.head === null || typeof (p.head as { version?: unknown }).version !== 'string') return false;
  const { bytes, offsets, tables, keyText, keyStart, keyField, slots, postStart, postings, unindexed } = p;
  if (!isRuleTables(tables)) return false;
  if (!(bytes instanceof Uint8Array && offsets instanceof Uint32Array && typeof keyText === 'string' && keyStart instanceof Uint32Array && keyField instanceof Uint8Array)) return false;
  if (!(slots instanceof Int32Array && postStart instanceof Uint32Array && postings instanceof Uint32Array && unindexed instanceof Uint32Array)) return false;
  const rules = offsets.length - 1;
  const keys = keyField.length;
  const ascending = (a: Uint32Array, last: number) => a[0] === 0 && a[a.length - 1] === last && a.every((x, i) => i === 0 || x >= a[i - 1]!);
  if (rules < 0 || !ascending(offsets, bytes.length)) return false;
  if (keyStart.length !== keys + 1 || !ascending(keyStart, keyText.length)) return false;
  if (postStart.length !== keys + 1 || !ascending(postStart, postings.length)) return false;
  if (slots.length < 2 || (slots.length & (slots.length - 1)) !== 0 || slots.some((s) => s < 0 || s > keys)) return false;
  return keyField.every((f) => f < INDEX_FIELDS.length) && postings.every((o) => o < rules) && unindexed.every((o) => o < rules);
}

function isRuleTables(value: unknown): value is RuleTables {
  if (typeof value !== 'object' || value === null) return false;
  const { strings, shapes } = value as Partial<Record<keyof RuleTables, unknown>>;
  const isStrings = (a: unknown): a is string[] => Array.isArray(a) && a.every((s) => typeof s === 'string');
  return isStrings(strings) && Array.isArray(shapes) && shapes.every(isStrings);
}

import { deserialize, serialize } from 'node:v8';

/**
 * Compiled rules as compact bytes, written and read in plain JS: the packed rule set's encoding
 * of each rule (src/rules/packed-rule-set.ts). One `v8.serialize` per rule cost 17 µs each, most
 * of it the serializer's set-up and its own Buffer per call: a third of a 100k-rule cold start.
 *
 * It carries the plain data a compiled rule is made of: undefined, null, booleans, numbers,
 * strings, arrays, plain objects, Sets, Maps and Dates, like a structured clone (own enumerable
 * string keys; a regex matcher's non-enumerable program is left out and revived on read). The
 * key list of each object ("shape") and any short string met often (field names, kinds, file
 * names, voices) are written once into tables; other strings sit in the bytes and become strings
 * only when their rule is read, so the tables stay a few thousand entries however many rules.
 * A rule holding anything else (a class instance, a cycle) is stored with `v8.serialize`, whose
 * bytes start with 0xFF: no tag below starts a rule with it.
 */
const Tag = {
  Undefined: 0,
  Null: 1,
  False: 2,
  True: 3,
  /** A whole number from 0 to 2^31 - 1, as a varint. */
  Uint: 4,
  Float: 5,
  /** Fewer than 128 chars, all below 0x80: the length in one byte, one byte a char. */
  Ascii: 6,
  /** Varint length in UTF-16 code units, then the units (little-endian): exact even for a lone surrogate, which UTF-8 would replace. */
  Utf16: 7,
  /** Varint index into the string table. */
  Shared: 8,
  Array: 9,
  /** Shape index in two bytes (big-endian), then one value per key of the shape. */
  Object: 10,
  Set: 11,
  Map: 12,
  Date: 13,
} as const;

const V8_SERIALIZED = 0xff;
/** Strings this short may be shared: once met SHARE_AFTER times, while the table has room. */
const SHAREABLE_LENGTH = 48;
const SHARE_AFTER = 4;
const MAX_SHARED = 8192;
/** Shape indexes are written in two bytes. */
const MAX_SHAPES = 0x10000;
/** Slots of the encoder's direct-mapped cache of recently met strings (a power of two). */
const RECENT_STRINGS = 4096;
/** Nesting deeper than this is taken for a cycle (compiled rules nest a dozen levels at most). */
const MAX_DEPTH = 200;

/** What decodes the bytes besides themselves: kept by the packed rule set, sent with it. */
export interface RuleTables {
  strings: readonly string[];
  shapes: readonly (readonly string[])[];
}

class NotPlainData extends Error {}

/** A node of the tree of key lists: the path from the root spells the keys. */
interface ShapeNode {
  keys: readonly string[];
  id: number;
  /** The last key followed from here, and where it led: most nodes have one successor. */
  lastKey: string | undefined;
  lastNext: ShapeNode | undefined;
  next: Map<string, ShapeNode> | undefined;
}

const shapeNode = (keys: readonly string[]): ShapeNode => ({ keys, id: -1, lastKey: undefined, lastNext: undefined, next: undefined });

/** Writes rules one after another into one growing buffer (in the loader process). */
export class RuleEncoder {
  private buf: Buffer;
  private view: DataView;
  private pos = 0;
  private readonly strings: string[] = [];
  private readonly shared = new Map<string, number>();
  /**
   * Recently met short strings, by a cheap hash of a few chars (a Map of every string met cost
   * more than the rest of the encoding): how often each was met, or -1 - i when it is shared as
   * table entry i. A frequent string comes back before another evicts it.
   */
  private readonly recent: (string | undefined)[] = new Array(RECENT_STRINGS).fill(undefined);
  private readonly recentMet = new Int32Array(RECENT_STRINGS);
  private readonly shapes: (readonly string[])[] = [];
  private readonly root = shapeNode([]);

  constructor(expectedBytes = 1 << 20) {
    this.buf = Buffer.allocUnsafe(Math.max(1024, expectedBytes));
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  /** Appends one rule; returns the end offset of its bytes. */
  add(rule: unknown): number {
    const start = this.pos;
    try {
      this.value(rule, 0);
    } catch (e) {
      if (!(e instanceof NotPlainData)) throw e;
      // Strings and shapes tabled for the half-written rule stay: unused rows are harmless.
      this.pos = start;
      const bytes = serialize(rule);
      this.room(bytes.length);
      this.buf.set(bytes, this.pos);
      this.pos += bytes.length;
    }
    return this.pos;
  }

  /** The bytes written (an exact-size copy: a view would carry the buffer's slack along when cloned) and the tables. */
  finish(): { bytes: Uint8Array; tables: RuleTables } {
    return { bytes: new Uint8Array(this.buf.subarray(0, this.pos)), tables: { strings: this.strings, shapes: this.shapes } };
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
    this.view = new DataView(next.buffer, next.byteOffset, next.byteLength);
  }

  private varint(n: number): void {
    const buf = this.buf;
    while (n >= 0x80) {
      buf[this.pos++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    buf[this.pos++] = n;
  }

  private value(v: unknown, depth: number): void {
    this.room(16);
    switch (typeof v) {
      case 'string':
        return this.string(v);
      case 'number':
        if (Number.isInteger(v) && v >= 0 && v < 2 ** 31 && !Object.is(v, -0)) {
          this.buf[this.pos++] = Tag.Uint;
          return this.varint(v);
        }
        this.buf[this.pos++] = Tag.Float;
        this.view.setFloat64(this.pos, v);
        this.pos += 8;
        return;
      case 'boolean':
        this.buf[this.pos++] = v ? Tag.True : Tag.False;
        return;
      case 'undefined':
        this.buf[this.pos++] = Tag.Undefined;
        return;
      case 'object':
        if (v === null) {
          this.buf[this.pos++] = Tag.Null;
          return;
        }
        if (depth > MAX_DEPTH) throw new NotPlainData();
        return this.object(v, depth + 1);
      default:
        throw new NotPlainData();
    }
  }

  private object(v: object, depth: number): void {
    if (Array.isArray(v)) {
      this.buf[this.pos++] = Tag.Array;
      this.varint(v.length);
      for (let i = 0; i < v.length; i++) {
        if (!(i in v)) throw new NotPlainData(); // a hole: v8 keeps it, this would not
        this.value(v[i], depth);
      }
      return;
    }
    const proto = Object.getPrototypeOf(v);
    // A null-prototype object comes back from v8 with Object.prototype: that rare case goes through v8.
    if (proto === Object.prototype) return this.plainObject(v as Record<string, unknown>, depth);
    if (proto === Set.prototype) {
      const set = v as Set<unknown>;
      this.buf[this.pos++] = Tag.Set;
      this.varint(set.size);
      for (const item of set) this.value(item, depth);
      return;
    }
    if (proto === Map.prototype) {
      const map = v as Map<unknown, unknown>;
      this.buf[this.pos++] = Tag.Map;
      this.varint(map.size);
      for (const [key, item] of map) {
        this.value(key, depth);
        this.value(item, depth);
      }
      return;
    }
    if (proto === Date.prototype) {
      this.buf[this.pos++] = Tag.Date;
      this.view.setFloat64(this.pos, (v as Date).getTime());
      this.pos += 8;
      return;
    }
    throw new NotPlainData();
  }

  /** Tag, two bytes of shape (known once the keys are walked), then the values. */
  private plainObject(o: Record<string, unknown>, depth: number): void {
    this.buf[this.pos] = Tag.Object;
    const shapeAt = this.pos + 1;
    this.pos += 3;
    let node = this.root;
    // for-in walks own enumerable string keys in Object.keys order (Object.prototype has none,
    // checked by the caller's prototype test), without making a key array per object.
    for (const key in o) {
      node = node.lastKey === key ? node.lastNext! : this.nextShape(node, key);
      this.value(o[key], depth);
    }
    let id = node.id;
    if (id < 0) {
      if (this.shapes.length >= MAX_SHAPES) throw new NotPlainData();
      id = node.id = this.shapes.push(node.keys) - 1;
    }
    this.buf[shapeAt] = id >>> 8;
    this.buf[shapeAt + 1] = id & 0xff;
  }

  private nextShape(node: ShapeNode, key: string): ShapeNode {
    node.next ??= new Map();
    let next = node.next.get(key);
    if (!next) node.next.set(key, (next = shapeNode([...node.keys, key])));
    node.lastKey = key;
    node.lastNext = next;
    return next;
  }

  private string(s: string): void {
    const n = s.length;
    if (n > 0 && n <= SHAREABLE_LENGTH) {
      const slot = (n * 31 + s.charCodeAt(0) * 7 + s.charCodeAt(n >> 1) * 131 + s.charCodeAt(n - 1) * 1031) & (RECENT_STRINGS - 1);
      let met = 0;
      if (this.recent[slot] === s) met = this.recentMet[slot]!;
      else this.recent[slot] = s;
      if (met >= 0 && met + 1 >= SHARE_AFTER) met = this.share(s);
      if (met < 0) {
        this.recentMet[slot] = met;
        this.buf[this.pos++] = Tag.Shared;
        return this.varint(-1 - met);
      }
      this.recentMet[slot] = met + 1;
    }
    this.room(n * 3 + 8);
    const buf = this.buf;
    const tagAt = this.pos;
    if (n < 0x80) {
      // The common case, in JS: a short ASCII string, one byte a char.
      buf[tagAt] = Tag.Ascii;
      buf[tagAt + 1] = n;
      let p = tagAt + 2;
      for (let i = 0; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) {
          p = -1;
          break;
        }
        buf[p++] = c;
      }
      if (p >= 0) {
        this.pos = p;
        return;
      }
    }
    buf[this.pos++] = Tag.Utf16;
    this.varint(n);
    this.pos += buf.write(s, this.pos, 'utf16le');
  }

  /** -1 - the string's index in the table (added now if it has room), or 0 when the table is full. */
  private share(s: string): number {
    let id = this.shared.get(s);
    if (id === undefined) {
      if (this.strings.length >= MAX_SHARED) return 0;
      id = this.strings.push(s) - 1;
      this.shared.set(s, id);
    }
    return -1 - id;
  }
}

/** Reads rules back from the bytes `RuleEncoder` wrote (on the thread that answers calls). */
export class RuleDecoder {
  private readonly buf: Buffer;
  private readonly view: DataView;
  private pos = 0;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly tables: RuleTables,
  ) {
    this.buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** The value written at bytes[start..end]; throws on bytes that are not such a value. */
  decode(start: number, end: number): unknown {
    if (this.bytes[start] === V8_SERIALIZED) return deserialize(this.bytes.subarray(start, end));
    this.pos = start;
    const value = this.value();
    if (this.pos !== end) throw new Error(`a packed rule's bytes end at ${this.pos}, not at ${end}`);
    return value;
  }

  private varint(): number {
    const bytes = this.bytes;
    let b = bytes[this.pos++]!;
    if (b < 0x80) return b;
    let n = b & 0x7f;
    let shift = 7;
    do {
      if (shift > 28) throw new Error('a packed rule holds a number too long');
      b = bytes[this.pos++]!;
      n |= (b & 0x7f) << shift;
      shift += 7;
    } while (b >= 0x80);
    return n >>> 0;
  }

  private value(): unknown {
    const tag = this.bytes[this.pos++];
    switch (tag) {
      case Tag.Shared: {
        const s = this.tables.strings[this.varint()];
        if (s === undefined) throw new Error('a packed rule names a string that is not in its table');
        return s;
      }
      case Tag.Ascii: {
        const n = this.bytes[this.pos++]!;
        const start = this.pos;
        this.pos += n;
        return this.buf.toString('latin1', start, this.pos);
      }
      case Tag.Object: {
        const keys = this.tables.shapes[(this.bytes[this.pos]! << 8) | this.bytes[this.pos + 1]!];
        this.pos += 2;
        if (!keys) throw new Error('a packed rule names an object shape that is not in its table');
        const o: Record<string, unknown> = {};
        for (const key of keys) {
          // `o.__proto__ = …` would set the prototype: define it as the own property it was.
          if (key === '__proto__') Object.defineProperty(o, key, { value: this.value(), writable: true, enumerable: true, configurable: true });
          else o[key] = this.value();
        }
        return o;
      }
      case Tag.Array: {
        const n = this.varint();
        const a = new Array<unknown>(n);
        for (let i = 0; i < n; i++) a[i] = this.value();
        return a;
      }
      case Tag.Uint:
        return this.varint();
      case Tag.Set: {
        const n = this.varint();
        const set = new Set<unknown>();
        for (let i = 0; i < n; i++) set.add(this.value());
        return set;
      }
      case Tag.True:
        return true;
      case Tag.False:
        return false;
      case Tag.Undefined:
        return undefined;
      case Tag.Null:
        return null;
      case Tag.Utf16: {
        const n = this.varint();
        const start = this.pos;
        this.pos += 2 * n;
        return this.buf.toString('utf16le', start, this.pos);
      }
      case Tag.Float: {
        const x = this.view.getFloat64(this.pos);
        this.pos += 8;
        return x;
      }
      case Tag.Map: {
        const n = this.varint();
        const map = new Map<unknown, unknown>();
        for (let i = 0; i < n; i++) {
          const key = this.value();
          map.set(key, this.value());
        }
        return map;
      }
      case Tag.Date: {
        const t = this.view.getFloat64(this.pos);
        this.pos += 8;
        return new Date(t);
      }
      default:
        throw new Error(`a packed rule holds an unknown tag ${tag} at ${this.pos - 1}`);
    }
  }
}

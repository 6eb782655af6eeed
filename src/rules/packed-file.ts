import { deserialize, serialize } from 'node:v8';
import type { PackedRuleSet } from './packed-rule-set.js';

/**
 * A packed rule set as one run of bytes, laid out so that reading it back makes no copy: a
 * small header (the rule set's head, the key text and where each buffer starts), then each
 * buffer 8-byte aligned. The typed arrays of the decoded set are views into the bytes read.
 *
 * This is how a reload hands its rules from the loader process to the server (a file the
 * server reads off its main thread, where a 50 MB IPC message was copied on it), and what the
 * compiled-rules cache stores. `extra` carries what travels with the rules (diagnostics, a key).
 */
// "RSP2": rules encoded by src/rules/rule-codec.ts ("RSP1" files held one v8.serialize per rule).
const MAGIC = 0x52535032;

const SECTIONS = ['bytes', 'offsets', 'keyStart', 'keyField', 'slots', 'postStart', 'postings', 'unindexed'] as const;
type Section = (typeof SECTIONS)[number];
const VIEWS = {
  bytes: Uint8Array,
  offsets: Uint32Array,
  keyStart: Uint32Array,
  keyField: Uint8Array,
  slots: Int32Array,
  postStart: Uint32Array,
  postings: Uint32Array,
  unindexed: Uint32Array,
} as const satisfies Record<Section, unknown>;

interface Header {
  head: PackedRuleSet['head'];
  tables: PackedRuleSet['tables'];
  keyText: string;
  /** Each section's start (from the file's start) and element count, in SECTIONS order. */
  at: [number, number][];
  extra: unknown;
}

const align = (n: number) => (n + 7) & ~7;

/** The packed set as buffers to write one after another (no 50 MB concatenation needed). */
export function encodePackedRuleSet(packed: PackedRuleSet, extra: unknown = null): Buffer[] {
  // The header holds the sections' positions, which depend on its own length: size it first with placeholders.
  const at: [number, number][] = SECTIONS.map((s) => [0, packed[s].length]);
  const headerOf = () => serialize({ head: packed.head, tables: packed.tables, keyText: packed.keyText, at, extra } satisfies Header);
  let header = headerOf();
  for (;;) {
    let offset = align(8 + header.length);
    for (const [i, s] of SECTIONS.entries()) {
      at[i]![0] = offset;
      offset = align(offset + packed[s].byteLength);
    }
    const next = headerOf();
    if (next.length === header.length) {
      header = next;
      break;
    }
    header = next; // a position took more bytes to write: place the sections again
  }
  const parts: Buffer[] = [];
  const prefix = Buffer.alloc(8);
  prefix.writeUInt32BE(MAGIC, 0);
  prefix.writeUInt32BE(header.length, 4);
  parts.push(prefix, header);
  let written = 8 + header.length;
  for (const [i, s] of SECTIONS.entries()) {
    const start = at[i]![0];
    if (start > written) parts.push(Buffer.alloc(start - written));
    const view = packed[s];
    parts.push(Buffer.from(view.buffer, view.byteOffset, view.byteLength));
    written = start + view.byteLength;
  }
  return parts;
}

/**
 * Reads back what `encodePackedRuleSet` wrote, as views into `bytes` (which must stay unchanged).
 * Throws on anything that is not such a file; the caller still checks the content
 * (`isPackedRuleSet`) when the bytes come from disk.
 */
export function decodePackedRuleSet(bytes: Buffer): { packed: PackedRuleSet; extra: unknown } {
  // Views need their elements aligned: a Buffer from the pool may start anywhere.
  const data = bytes.byteOffset % 8 === 0 ? bytes : Buffer.from(bytes);
  if (data.length < 8 || data.readUInt32BE(0) !== MAGIC) throw new Error('not a packed rule set');
  const headerEnd = 8 + data.readUInt32BE(4);
  if (headerEnd > data.length) throw new Error('the header is cut short');
  const { head, tables, keyText, at, extra } = deserialize(data.subarray(8, headerEnd)) as Header;
  if (typeof keyText !== 'string' || !Array.isArray(at) || at.length !== SECTIONS.length) throw new Error('the header is not a packed rule set’s');
  const packed = { head, tables, keyText } as Record<string, unknown>;
  for (const [i, s] of SECTIONS.entries()) {
    const [start, count] = at[i]!;
    const View = VIEWS[s];
    const end = start + count * View.BYTES_PER_ELEMENT;
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(count) || start < headerEnd || start % 8 !== 0 || end > data.length) throw new Error(`the ${s} section lies outside the file`);
    packed[s] = new View(data.buffer as ArrayBuffer, data.byteOffset + start, count);
  }
  return { packed: packed as unknown as PackedRuleSet, extra };
}

/**
 * Remembers recent answers so that 8x8 delivering the same event twice gets the same callflow,
 * even if the rules were reloaded in between. Bounded in entries, in bytes and in age, so it cannot
 * grow without end whatever the events carry; the oldest entry goes first, in O(1).
 */
import { hash } from 'node:crypto';

/**
 * The key for a whole request body: its SHA-256. A 44-character key instead of the ~1 KiB body
 * keeps the body itself out of the cache, so it dies young instead of being promoted with the
 * entry and collected by the old generation's GC ten minutes later.
 */
export function bodyKey(text: string): string {
  return hash('sha256', text, 'base64');
}

interface Entry<V> {
  key: string;
  value: V;
  bytes: number;
  expires: number;
}

/** What a Map slot, the entry object and the queue slot cost besides the key and value themselves. */
const ENTRY_OVERHEAD_BYTES = 96;

/** Bytes of a value: strings by length (UTF-16 upper bound), anything else a small constant. */
function approxBytes(value: unknown): number {
  return typeof value === 'string' ? value.length * 2 : 16;
}

export class ReplayCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  /**
   * Insertion order as an array with a moving head. Map#keys().next() instead walks the slots of
   * deleted keys, which pile up under steady eviction and make each eviction slower.
   */
  private queue: Array<Entry<V> | undefined> = [];
  private head = 0;
  private totalBytes = 0;

  constructor(
    private readonly maxEntries = 10_000,
    private readonly ttlMs = 10 * 60_000,
    private readonly now: () => number = Date.now,
    private readonly maxBytes = 16 * 1024 * 1024,
  ) {}

  get(key: string): V | undefined {
    const hit = this.entries.get(key);
    if (!hit) return undefined;
    if (hit.expires <= this.now()) {
      this.remove(hit);
      return undefined;
    }
    return hit.value;
  }

  set(key: string, value: V): void {
    const old = this.entries.get(key);
    if (old) this.remove(old);
    const entry: Entry<V> = { key, value, bytes: key.length * 2 + approxBytes(value) + ENTRY_OVERHEAD_BYTES, expires: this.now() + this.ttlMs };
    // One entry bigger than the whole budget is not kept (it would evict everything else).
    if (entry.bytes > this.maxBytes) return;
    this.entries.set(key, entry);
    this.queue.push(entry);
    this.totalBytes += entry.bytes;
    // Removed entries leave holes in the queue; bound them too, so the queue stays O(live entries).
    while (this.entries.size > this.maxEntries || this.totalBytes > this.maxBytes || this.queue.length - this.head > 2 * this.maxEntries + 64) {
      const oldest = this.queue[this.head];
      this.queue[this.head++] = undefined;
      if (oldest && this.entries.get(oldest.key) === oldest) this.remove(oldest);
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  get size(): number {
    return this.entries.size;
  }

  /** Approximate memory held by the entries, in bytes. */
  get bytes(): number {
    return this.totalBytes;
  }

  private remove(entry: Entry<V>): void {
    this.entries.delete(entry.key);
    this.totalBytes -= entry.bytes;
  }
}

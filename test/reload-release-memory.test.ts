import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { releaseOldRules } from '../src/reload/release-old-rules.js';

const bufferMb = () => process.memoryUsage().arrayBuffers / 2 ** 20;

describe('releasing a replaced rule set', () => {
  it('gets buffers nothing refers to any more freed soon, while this thread goes on', async () => {
    // An old set's buffers, promoted to the old generation (as a set serving for a while is), then dropped.
    let old: ArrayBuffer | undefined = new ArrayBuffer(20 * 2 ** 20);
    const kept = new Uint8Array(2 ** 20).fill(7);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 1e5; j++) void { j };
      await sleep(5);
    }
    const held = bufferMb();
    expect(old.byteLength).toBe(20 * 2 ** 20);
    old = undefined;
    await releaseOldRules();
    // The collection runs alongside: the loop keeps turning (timers here, calls in the server).
    for (let i = 0; i < 200 && bufferMb() > held - 15; i++) await sleep(10);
    expect(bufferMb()).toBeLessThan(held - 15);
    expect(kept.every((b) => b === 7)).toBe(true);
  });
});

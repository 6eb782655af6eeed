import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { oldRulesReleaser, releaseOldRules } from '../src/reload/release-old-rules.js';

describe('releasing a replaced rule set', () => {
  it('collects buffers nothing refers to any more, at once rather than when V8 gets round to it', async () => {
    const freed: string[] = [];
    const registry = new FinalizationRegistry((name: string) => freed.push(name));
    // An old set's buffers: promoted to the old generation (as a set serving for a while is), then dropped.
    let old: ArrayBuffer | undefined = new ArrayBuffer(20 * 2 ** 20);
    registry.register(old, 'old rules');
    const kept = new ArrayBuffer(2 ** 20);
    registry.register(kept, 'current rules');
    for (let i = 0; i < 3; i++) await releaseOldRules();
    old = undefined;
    const ms = await releaseOldRules();
    expect(ms).toBeTypeOf('number');
    for (let i = 0; i < 20 && freed.length === 0; i++) await sleep(10);
    expect(freed).toEqual(['old rules']);
    expect(kept.byteLength).toBe(2 ** 20);
  });

  it('collects once per two replaced sets, so a reload pays the pause only every other time', async () => {
    const replaced = oldRulesReleaser(2);
    const pauses = [];
    for (let i = 0; i < 6; i++) pauses.push(await replaced());
    expect(pauses.map((ms) => typeof ms)).toEqual(['undefined', 'number', 'undefined', 'number', 'undefined', 'number']);
  });
});

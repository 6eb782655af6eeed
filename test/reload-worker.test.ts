import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { loadRules } from '../src/rules/load-rules.js';
import { RulesLoaderWorker } from '../src/reload/load-rules-in-worker.js';
import { forkLoader } from '../src/reload/fork-loader.js';
import { decide } from '../src/engine/decide.js';
import { makeCallActionPayload } from '../src/events/make-event.js';
import { generateRules } from '../bench/make-rules-folder.js';
import { generateRequests, generateRuleFiles, writeRuleFiles } from '../bench/generate-rules.js';
import type { BuildResult } from '../src/rules/build-rule-set.js';
import { INDEX_FIELDS, type MatchField } from '../src/engine/rule-set.js';
import type { CallActionPayload } from '../src/types/generated/call-action.js';
import { removeDir, SETTINGS, tempDir, writeFiles } from './helpers/reload-harness.js';

const MATCHERS = `rules:
  - id: every-kind
    when:
      source: { regex: "^\\\\+65[89]" }
      destination: { not: { prefix: ["+65 6833", "+1"] } }
      sourceCountryCode: [sg, { regex: "^m" }]
      dtmf: ["1", "2"]
    then:
      - say: "Hello {{source}}"
      - playFile: { fileUrl: "https://example.com/a.mp3", repetition: 2 }
      - makeCall: { destination: "+6587654321", callRecording: true }
  - id: indexed
    when: { destinationRefId: [vn-1, vn-2] }
    then: [hangup]
`;

const loader = new RulesLoaderWorker();
const dirs: string[] = [];
afterAll(async () => {
  await loader.close();
  for (const d of dirs) await removeDir(d);
});

/** Every field of a rule set but its index, with `rules` read out of a packed set's lazy list. */
const comparable = (r: BuildResult) => ({ diagnostics: r.diagnostics, ...(r.ruleSet ? { ruleSet: { ...r.ruleSet, rules: [...r.ruleSet.rules], index: undefined } } : {}) });

describe('a load in the worker thread', () => {
  it.each([
    { folder: 'the sample rules', make: async () => 'rules' },
    {
      folder: 'every matcher kind',
      make: async () => {
        const d = await tempDir();
        dirs.push(d);
        await writeFiles(d, { 'settings.yaml': SETTINGS, 'm.yaml': MATCHERS });
        return d;
      },
    },
    {
      folder: 'a thousand generated rules over several files',
      make: async () => {
        const d = await tempDir();
        dirs.push(d);
        await generateRules(d, 1000, 3);
        return d;
      },
    },
  ])('builds the same rule set as loadRules for $folder', async ({ make }) => {
    const dir = await make();
    const { texts: _texts, ...direct } = await loadRules(dir);
    expect(direct.ruleSet).toBeDefined();
    const viaWorker = await loader.load(dir);
    expect(comparable(viaWorker)).toEqual(comparable(direct));
    // Each rule is found under the same keys of the index, and nothing else is.
    const idsUnder = (r: BuildResult, field: MatchField, value: string) => r.ruleSet!.index.candidates(field, value)?.map((x) => x.id);
    for (const rule of direct.ruleSet!.rules) {
      for (const c of rule.conditions) {
        if (c.kind !== 'field' || c.matcher.kind !== 'exact' || !(INDEX_FIELDS as readonly string[]).includes(c.field)) continue;
        for (const value of c.matcher.values) expect(idsUnder(viaWorker, c.field, value)).toEqual(idsUnder(direct, c.field, value));
      }
    }
    expect(viaWorker.ruleSet!.index.unindexed.map((r) => r.id)).toEqual(direct.ruleSet!.index.unindexed.map((r) => r.id));
    expect(viaWorker.ruleSet!.index.candidates('destinationRefId', 'no-such-ref')).toBeUndefined();
  });

  it("answers every call of the benchmark mix as loadRules' rule set does", async () => {
    const dir = await tempDir();
    dirs.push(dir);
    await writeRuleFiles(dir, generateRuleFiles(3000));
    const direct = (await loadRules(dir)).ruleSet!;
    const viaWorker = (await loader.load(dir)).ruleSet!;
    const now = new Date('2026-03-02T03:00:00Z');
    const calls = generateRequests(3000, 300);
    for (const { payload, expect: rule } of calls) {
      const event = { ...payload, eventId: 'e-1' } as unknown as CallActionPayload;
      const decision = decide(viaWorker, event, { now });
      expect(decision).toEqual(decide(direct, event, { now }));
      expect(decision.response.clientActionId).toBe(rule);
    }
  });

  it('reports the same errors as loadRules for a bad folder', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    await writeFiles(dir, { 'settings.yaml': SETTINGS, 'bad.yaml': 'rules:\n  - id: a\n    then: [{ makeCall: "not a number" }]\n' });
    const { texts: _texts, ...direct } = await loadRules(dir);
    expect(direct.ruleSet).toBeUndefined();
    expect(comparable(await loader.load(dir))).toEqual(comparable(direct));
  });
});

describe('regexes handed over by the worker', () => {
  it('still match, compiled again on this side', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    await writeFiles(dir, { 'settings.yaml': SETTINGS, 'm.yaml': MATCHERS });
    const ruleSet = (await loader.load(dir)).ruleSet!;
    const payload = makeCallActionPayload({ source: '+6591234567', destination: '+6561234567', sourceCountryCode: 'MY', dtmf: '1' });
    expect(decide(ruleSet, payload).ruleId).toBe('every-kind');
    expect(decide(ruleSet, { ...payload, source: '+6561234567' }).ruleId).not.toBe('every-kind');
  });
});

describe('a loader started early (serve forks it before importing the server)', () => {
  it('does the first load, and one that died before it was needed is replaced, not waited for', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    await writeFiles(dir, { 'settings.yaml': SETTINGS, 'm.yaml': MATCHERS });
    const expected = comparable(await loadRules(dir));
    const early = forkLoader(256);
    const alive = new RulesLoaderWorker({ memoryMb: 256, forked: early });
    const dead = forkLoader(256);
    await new Promise((resolve) => dead.once('exit', resolve).kill('SIGKILL'));
    const replaced = new RulesLoaderWorker({ memoryMb: 256, forked: dead });
    try {
      expect(comparable(await alive.load(dir))).toEqual(expected);
      expect(comparable(await replaced.load(dir))).toEqual(expected);
    } finally {
      await Promise.all([alive.close(), replaced.close()]);
    }
    // Closing stops the early one too.
    expect(early.exitCode !== null || early.signalCode !== null).toBe(true);
  });

  it('is stopped by close() even when no load ever used it', async () => {
    const early = forkLoader(256);
    const exited = new Promise((resolve) => early.once('exit', resolve));
    await new RulesLoaderWorker({ memoryMb: 256, forked: early }).close();
    await exited;
    expect(early.signalCode ?? early.exitCode).not.toBeNull();
  });
});

describe('a loader of big rule sets', () => {
  /** The nice value of each thread of process `pid`. */
  function threadNices(pid: number | undefined): number[] {
    if (pid === undefined) throw new Error('the loader has no process');
    return readdirSync(`/proc/${pid}/task`).map((tid) => {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
    });
  }

  it.runIf(process.platform === 'linux')('gives way to calls with all its threads (V8 collects and compiles on threads of its own), not only its main one', { timeout: 20_000 }, async () => {
    const dir = await tempDir();
    dirs.push(dir);
    await writeRuleFiles(dir, generateRuleFiles(10_000));
    const big = new RulesLoaderWorker();
    try {
      // The first load keeps the server's priority (nothing to give way to); from the next on, the loader yields.
      const first = big.load(dir, { first: true });
      const before = threadNices(big.pid);
      expect((await first).ruleSet?.rules.length).toBe(10_000);
      // A loader that ends a big load with a big heap is replaced: start its successor now and let
      // it boot (its V8 threads up, all at the server's priority), so the next load goes to a booted one.
      big.warmUp();
      for (let i = 0; i < 400 && threadNices(big.pid).length < 2; i++) await sleep(50);
      const second = big.load(dir);
      const during = threadNices(big.pid);
      expect((await second).ruleSet?.rules.length).toBe(10_000);
      expect(before.every((n) => n === 0)).toBe(true);
      expect(during.length).toBeGreaterThan(1);
      expect(during.every((n) => n === 10)).toBe(true);
    } finally {
      await big.close();
    }
  });
});

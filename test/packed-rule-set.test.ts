import { writeFile } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { generateRequests, generateRuleFiles, writeRuleFiles } from '../bench/generate-rules.js';
import { decide } from '../src/engine/decide.js';
import { explainDecision } from '../src/engine/explain-decision.js';
import { makeCallActionPayload } from '../src/events/make-event.js';
import { loadRules } from '../src/rules/load-rules.js';
import { packRuleSet, unpackRuleSet } from '../src/rules/packed-rule-set.js';
import { parseRuleTests } from '../src/rule-tests/parse-rule-tests.js';
import { readRuleTests } from '../src/rule-tests/read-rule-tests.js';
import { runRuleTests } from '../src/rule-tests/run-rule-tests.js';
import type { RuleSet } from '../src/engine/rule-set.js';
import type { CallActionPayload } from '../src/types/generated/call-action.js';
import { removeDir, tempDir } from './helpers/reload-harness.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await removeDir(d);
});

/** Through the same steps as a reload, without the thread: pack, clone the message, unpack. */
function repacked(ruleSet: RuleSet): RuleSet {
  return unpackRuleSet(structuredClone(packRuleSet(ruleSet)));
}

async function loaded(dir: string): Promise<RuleSet> {
  const result = await loadRules(dir);
  if (!result.ruleSet) throw new Error(`rules do not load: ${JSON.stringify(result.diagnostics.slice(0, 2))}`);
  return result.ruleSet;
}

describe('a packed rule set', () => {
  it('answers as the built set does when thousands of rules share one virtual number (each for its own caller), call after call', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    const caller = (i: number) => `+6591${String(100_000 + i)}`;
    let rules = 'rules:\n';
    for (let i = 0; i < 5000; i++) rules += `  - id: c${i}\n    when: { destinationRefId: vn-ref-1, source: "${caller(i)}" }\n    then: [{ makeCall: "+6581${String(100_000 + i)}" }]\n`;
    rules += '  - id: everyone-else\n    when: { destinationRefId: vn-ref-1 }\n    then: [{ makeCall: "+6561234567" }]\n';
    await writeFile(`${dir}/settings.yaml`, 'voiceProfile: en-US-ZiraRUS\n');
    await writeFile(`${dir}/customers.yaml`, rules);
    const built = await loaded(dir);
    const packed = repacked(built);
    // More rules under the key than the shelf caches, asked for again and again (the list is then kept whole).
    for (let round = 0; round < 3; round++) {
      for (const source of [caller(0), caller(2500), caller(4999), '+6599999999']) {
        const event = makeCallActionPayload({ source, destination: '+6568332048', destinationRefId: 'vn-ref-1' });
        const decision = decide(packed, event);
        expect(decision).toEqual(decide(built, event));
      }
    }
    expect(decide(packed, makeCallActionPayload({ source: caller(4999), destinationRefId: 'vn-ref-1' })).ruleId).toBe('c4999');
    expect(decide(packed, makeCallActionPayload({ source: '+6599999999', destinationRefId: 'vn-ref-1' })).ruleId).toBe('everyone-else');
  });

  it("runs the sample rules' own rule tests exactly as the built set does", async () => {
    const built = await loaded('rules');
    const packed = repacked(built);
    const tests = (await readRuleTests('rules')).flatMap((f) => parseRuleTests(f).tests);
    expect(tests.length).toBeGreaterThan(5);
    const now = new Date('2026-03-04T02:00:00Z');
    const run = runRuleTests(packed, tests, { now });
    expect(run.failed).toBe(0);
    expect(run).toEqual(runRuleTests(built, tests, { now }));
  });

  it('lists the same rules, in order, through every way the console and lints read them', async () => {
    const built = await loaded('rules');
    const packed = repacked(built);
    expect(packed.rules.length).toBe(built.rules.length);
    expect([...packed.rules]).toEqual(built.rules);
    expect(packed.rules.map((r) => r.id)).toEqual(built.rules.map((r) => r.id));
    expect(packed.rules.find((r) => r.id === built.rules.at(-1)!.id)).toEqual(built.rules.at(-1));
    expect(packed.rules.slice(1, 3)).toEqual(built.rules.slice(1, 3));
    expect(packed.rules[built.rules.length]).toBeUndefined();
    expect(Array.isArray(packed.rules)).toBe(true);
    expect(() => {
      (packed.rules as unknown as unknown[])[0] = 'x';
    }).toThrow(TypeError);
  });

  it('explains a call as the built set does', async () => {
    const built = await loaded('rules');
    const packed = repacked(built);
    const payload = makeCallActionPayload({ source: '+6591234567', destination: '+6561234567', sourceCountryCode: 'SG' });
    const now = new Date('2026-03-04T02:00:00Z');
    expect(explainDecision(packed, payload, { now })).toEqual(explainDecision(built, payload, { now }));
  });

  // More rules than the packed set keeps as objects, so rules are made again after they fall out.
  it('answers every call of the benchmark mix as the built set does, with more rules than it caches', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    await writeRuleFiles(dir, generateRuleFiles(6000));
    const built = await loaded(dir);
    const packed = repacked(built);
    const now = new Date('2026-03-02T03:00:00Z');
    const calls = generateRequests(6000, 400);
    for (let round = 0; round < 2; round++) {
      for (const { payload, expect: rule } of calls) {
        const event = { ...payload, eventId: `e-${round}` } as unknown as CallActionPayload;
        const decision = decide(packed, event, { now });
        expect(decision).toEqual(decide(built, event, { now }));
        expect(decision.response.clientActionId).toBe(rule);
      }
      // Touch every rule, so the next round finds the cache full of others.
      expect(packed.rules.filter((r) => r.order >= 0).length).toBe(6000);
    }
  });
});

import { writeFile } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { makeCallActionPayload } from '../src/events/make-event.js';
import { eventFacts } from '../src/engine/event-facts.js';
import { applyRule, callContext, matchCall } from '../src/engine/match-event.js';
import { NARROW_AT } from '../src/engine/narrow-candidates.js';
import type { RuleSet } from '../src/engine/rule-set.js';
import { loadRules } from '../src/rules/load-rules.js';
import { packRuleSet, unpackRuleSet } from '../src/rules/packed-rule-set.js';
import { removeDir, tempDir } from './helpers/reload-harness.js';

// Many rules for one virtual number: the list filed under it is split once more by each rule's
// next exact condition. Whatever the split, the answer must be the first rule in file order that
// matches, as trying every rule in turn gives it.

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await removeDir(d);
});

const caller = (i: number) => `+6591${String(100_000 + i)}`;
const RULES = 1200;

/** Rule i, for the number with ref vn-ref-1: most for one caller, some for a list of callers, an action id, a prefix, or anyone. */
function ruleAt(i: number): string {
  const when = (extra: string) => `    when: { destinationRefId: vn-ref-1${extra} }\n`;
  const then = `    then: [{ makeCall: "+6581${String(100_000 + i)}" }]\n`;
  let condition: string;
  if (i === RULES - 1)
    condition = ''; // anyone else calling the number
  else if (i % 97 === 50)
    condition = ', source: { prefix: "+6592" }'; // tried on every call: beats the rules after it for such callers
  else if (i % 31 === 7)
    condition = `, source: ["${caller(i)}", "${caller(i + 1)}"]`; // also the next rule's caller: this one wins
  else if (i % 23 === 3) condition = `, clientActionId: step-${i % 5}`;
  else if (i % 41 === 11) condition = `, source: { prefix: "+659110${String(i).slice(-1)}" }`;
  else if (i % 53 === 13)
    condition = `, source: "${caller(i - 1)}", clientActionId: step-1`; // the same caller as the rule before, narrower
  else condition = `, source: "${caller(i)}"`;
  return `  - id: r${i}\n${when(condition)}${then}`;
}

async function ruleSets(): Promise<{ built: RuleSet; packed: RuleSet }> {
  const dir = await tempDir();
  dirs.push(dir);
  await writeFile(`${dir}/settings.yaml`, 'voiceProfile: en-US-ZiraRUS\n');
  await writeFile(`${dir}/numbers.yaml`, `rules:\n${Array.from({ length: RULES }, (_, i) => ruleAt(i)).join('')}`);
  await writeFile(`${dir}/other.yaml`, 'rules:\n  - id: other-number\n    when: { destinationRefId: vn-ref-2 }\n    then: [{ makeCall: "+6561234567" }]\n');
  const result = await loadRules(dir);
  if (!result.ruleSet) throw new Error(`rules do not load: ${JSON.stringify(result.diagnostics.slice(0, 2))}`);
  return { built: result.ruleSet, packed: unpackRuleSet(structuredClone(packRuleSet(result.ruleSet))) };
}

/** The reference: every rule tried in file order. */
function firstMatching(ruleSet: RuleSet, payload: ReturnType<typeof makeCallActionPayload>, now: Date): string | undefined {
  const call = callContext(eventFacts(payload), { now, sessionId: payload.sessionId });
  return ruleSet.rules.find((rule) => applyRule(rule, call, ruleSet))?.id;
}

describe('a long candidate list, split by the next exact condition', () => {
  it('is long enough here to be split', () => {
    expect(RULES).toBeGreaterThan(NARROW_AT * 2);
  });

  it('answers every call with the first matching rule in file order, in the built and the packed set', async () => {
    const { built, packed } = await ruleSets();
    const now = new Date('2026-12-03T02:00:00Z');
    const calls: [string, Parameters<typeof makeCallActionPayload>[0], string | undefined][] = [
      ['a caller of its own', { source: caller(5), destinationRefId: 'vn-ref-1' }, 'r5'],
      ['a caller behind an earlier prefix rule', { source: caller(600), destinationRefId: 'vn-ref-1' }, 'r380'],
      ['an unknown caller', { source: '+6599999999', destinationRefId: 'vn-ref-1' }, 'r1199'],
      ['a caller only a prefix rule takes', { source: '+6592000000', destinationRefId: 'vn-ref-1' }, 'r50'],
      ['the second caller of a list', { source: caller(39), destinationRefId: 'vn-ref-1' }, 'r38'],
      ['an action id', { source: '+6599999999', destinationRefId: 'vn-ref-1', clientActionId: 'step-3' }, 'r3'],
      ['a caller who also has a narrower rule', { source: caller(12), destinationRefId: 'vn-ref-1', clientActionId: 'step-1' }, 'r12'],
      ['a prefix', { source: '+6591102000', destinationRefId: 'vn-ref-1' }, 'r52'],
      ['another number', { source: caller(5), destinationRefId: 'vn-ref-2' }, 'other-number'],
      ['no number', { source: caller(5), destinationRefId: 'vn-ref-9' }, undefined],
    ];
    for (const [name, fields, expected] of calls) {
      const payload = makeCallActionPayload(fields);
      expect(firstMatching(built, payload, now), `${name}: the reference`).toBe(expected);
      for (const ruleSet of [built, packed]) {
        for (let round = 0; round < 2; round++) expect(matchCall(ruleSet, callContext(eventFacts(payload), { now, sessionId: payload.sessionId }))?.rule.id, name).toBe(expected);
      }
    }
    // And every caller the rules name, with and without an action id.
    for (let i = 0; i < RULES + 2; i++) {
      for (const clientActionId of [undefined, `step-${i % 5}`]) {
        const payload = makeCallActionPayload({ source: caller(i), destinationRefId: 'vn-ref-1', ...(clientActionId ? { clientActionId } : {}) });
        const expected = firstMatching(built, payload, now);
        for (const ruleSet of [built, packed]) expect(matchCall(ruleSet, callContext(eventFacts(payload), { now, sessionId: payload.sessionId }))?.rule.id).toBe(expected);
      }
    }
  });
});

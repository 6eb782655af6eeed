import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateRequests, generateRuleFiles, writeRuleFiles } from '../bench/generate-rules.js';
import { catalogueOf, entriesFor, filesOf, timezoneFor, virtualNumbers } from '../src/console/rule-catalogue.js';
import { EXPLAIN_EVERY_RULE_UP_TO, tryCall } from '../src/console/try-call.js';
import { explainCandidates, explainDecision } from '../src/engine/explain-decision.js';
import type { RuleSet } from '../src/engine/rule-set.js';
import { loadRules } from '../src/rules/load-rules.js';
import { packRuleSet, unpackRuleSet } from '../src/rules/packed-rule-set.js';
import type { CallActionPayload } from '../src/types/generated/call-action.js';
import { removeDir, tempDir } from './helpers/reload-harness.js';

// The console's walks over a big reloaded (packed) rule set: each rule is made from bytes when
// read, so a walk over every rule must never hold the thread that answers calls in one piece.
const RULES = 12_000;
let dir: string;
let packed: RuleSet;
let sample: RuleSet;

async function loaded(from: string): Promise<RuleSet> {
  const result = await loadRules(from);
  if (!result.ruleSet) throw new Error(`rules do not load: ${JSON.stringify(result.diagnostics.slice(0, 2))}`);
  return result.ruleSet;
}

beforeAll(async () => {
  dir = await tempDir();
  await writeRuleFiles(dir, generateRuleFiles(RULES));
  packed = unpackRuleSet(structuredClone(packRuleSet(await loaded(dir))));
  sample = await loaded('rules');
}, 120_000);
afterAll(async () => {
  if (dir) await removeDir(dir);
});

describe('the rule catalogue', () => {
  it('lets the event loop run while it reads every rule of a big packed set', async () => {
    let turns = 0;
    let ticking = true;
    const tick = () => {
      turns++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const catalogue = await catalogueOf(packed);
    ticking = false;
    expect(catalogue.entries).toHaveLength(RULES);
    // Made from bytes at tens of µs each, 12k rules take far longer than one 4 ms slice.
    expect(turns).toBeGreaterThan(5);
    expect(await catalogueOf(packed)).toBe(catalogue);
  });

  it('says what the rules say: files, numbers, time zones', async () => {
    const catalogue = await catalogueOf(sample);
    // Files in evaluation order (a menu's rules come after every file's, so a file may show twice).
    const files = filesOf(catalogue);
    expect(files.flatMap((f) => f.entries.map((e) => e.order))).toEqual(sample.rules.map((r) => r.order));
    for (const f of files) expect(new Set(f.entries.map((e) => sample.rules[e.order]!.file))).toEqual(new Set([f.file]));
    expect(files.map((f) => f.file)).toEqual(expect.arrayContaining(['10-vip.yaml', '30-helpdesk.yaml', '90-fallback.yaml']));
    expect(catalogue.entries.map((e) => e.id)).toEqual(sample.rules.map((r) => r.id));
    const numbers = virtualNumbers(catalogue);
    expect(numbers).toContainEqual({ value: 'vn-ref-4', field: 'destinationRefId' });
    expect(timezoneFor(catalogue, { value: 'vn-ref-4', field: 'destinationRefId' })).toBe('Asia/Singapore');
    // A number's rules: those written for it and those that do not test the called number.
    const forRef4 = entriesFor(catalogue, { value: 'vn-ref-4', field: 'destinationRefId' }).map((e) => sample.rules[e.order]!);
    expect(forRef4.length).toBeGreaterThan(0);
    for (const rule of forRef4) {
      const tests = rule.conditions.filter((c) => c.kind === 'field' && (c.field === 'destinationRefId' || c.field === 'destination'));
      expect(tests.length === 0 || tests.some((c) => c.kind === 'field' && [c.source].flat().includes('vn-ref-4'))).toBe(true);
    }
  });
});

describe('explaining a call over the rules the index hands it', () => {
  const calls = generateRequests(RULES, 24);
  const now = new Date('2026-03-02T03:00:00Z');

  it.each(calls.map((c, i) => [i, c.kind, c] as const))('call %i (%s): the same decision, winner and reasons as explaining every rule', (_, __, call) => {
    const payload = { ...call.payload, eventId: 'e-1' } as unknown as CallActionPayload;
    const every = explainDecision(packed, payload, { now });
    const some = explainCandidates(packed, payload, { now });
    expect(some.explanation.decision).toEqual(every.decision);
    expect(some.winner?.id).toBe(call.expect);
    // Every reason given is one the full explanation gives, for the same rule.
    const full = new Map(every.skipped.map((s) => [s.rule.order, s.text]));
    for (const s of some.explanation.skipped) expect(full.get(s.rule.order)).toBe(s.text);
    // A rule left out is one a value the index files rules by (number, ref id, caller, menu step) rules out.
    const looked = new Set(some.explanation.skipped.map((s) => s.rule.order));
    const missing = every.skipped.filter((s) => !looked.has(s.rule.order));
    for (const s of missing) expect(['destinationRefId', 'destination', 'source', 'clientActionId']).toContain(s.field);
    expect(some.leftOut).toBeGreaterThanOrEqual(missing.length);
    expect(some.leftOut).toBeLessThanOrEqual(some.winner?.order ?? RULES);
  });

  it('is what "try a call" uses past a few thousand rules, and says how many rules it left out', () => {
    expect(RULES).toBeGreaterThan(EXPLAIN_EVERY_RULE_UP_TO);
    const result = tryCall(packed, { destinationRefId: 'unknown-ref', source: '+6591234567', sourceCountryCode: 'MY', tz: 'UTC' }, now);
    if (!result.ok) throw new Error(result.message);
    expect(result.winner?.id).toBe(packed.rules.at(-1)!.id);
    expect(result.leftOut).toBeGreaterThan(RULES - 20);
    expect(result.explanation.skipped.length).toBeLessThan(20);
  });
});

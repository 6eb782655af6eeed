import { describe, expect, it } from 'vitest';
import { decide } from '../src/engine/decide.js';
import { payloadFor } from '../src/rule-tests/parse-rule-tests.js';
import { sampleCalls } from '../src/rule-tests/sample-calls.js';
import { checkRulesDir } from '../src/rule-tests/check-rules-dir.js';
import { callsToReplay } from '../src/rule-tests/compare-rule-sets.js';
import { fixedSessions } from '../src/sessions/fixed-sessions.js';
import { ruleSetOf, sources } from './helpers/build-in-memory.js';

describe('sampleCalls', () => {
  it('with the rule tests, reaches every sample rule, so --compare sees a change to any of them', async () => {
    // Rules behind a time window or a masking pair need a test's own clock or caller to be reached.
    const { ruleSet, tests } = await checkRulesDir('rules', undefined);
    const now = new Date('2026-03-02T01:30:00Z');
    const calls = callsToReplay(tests, ruleSet!, ruleSet!);
    const reached = new Set(calls.map((c) => decide(ruleSet!, payloadFor(c.call, c.at ?? now), { now: c.at ?? now, ...(c.sessions ? { sessions: fixedSessions(c.sessions) } : {}) }).ruleId));
    expect(ruleSet!.rules.map((r) => r.id).filter((id) => !reached.has(id))).toEqual([]);
  });

  it.each([
    ['an exact value', 'destinationRefId: vn-ref-7', { destinationRefId: 'vn-ref-7' }],
    ['the first of a list', 'sourceCountryCode: [my, SG]', { sourceCountryCode: 'MY' }],
    ['a phone prefix, padded to a whole number', 'source: { prefix: "+659" }', { source: '+6590000000' }],
    ['the usable option of a mixed list', 'destinationRefId: [{ regex: "^x" }, { prefix: vn- }]', { destinationRefId: 'vn-' }],
    ['nothing for regex and not', 'dtmf: { regex: "^1$" }\n      callType: { not: VOIP }', {}],
  ])('builds a call from %s', (_, when, call) => {
    const ruleSet = ruleSetOf(sources({ 'a.yaml': `rules:\n  - id: r\n    when:\n      ${when}\n    then: [hangup]\n` }));
    expect(sampleCalls(ruleSet)[1]).toEqual({ label: 'a call for rule r (a.yaml:2)', call });
  });
});

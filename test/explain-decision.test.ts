import { describe, expect, it } from 'vitest';
import { describeSource, explainDecision } from '../src/engine/explain-decision.js';
import { makeCallActionPayload } from '../src/events/make-event.js';
import { ruleSetOf, sources } from './helpers/build-in-memory.js';

const ruleSet = ruleSetOf(
  sources({
    'a.yaml': [
      'rules:',
      '  - id: vip',
      '    when: { destinationRefId: vn-ref-1, source: ["+6591234567", "+6598765432"] }',
      '    then: [hangup]',
      '  - id: sg-mobile',
      '    when: { sourceCountryCode: SG, source: { prefix: "+659" } }',
      '    then: [hangup]',
      '  - id: sg-support',
      '    when: { sourceCountryCode: SG }',
      '    then: [hangup]',
      '  - id: menu',
      '    when: { dtmf: { regex: "^[1-9]$" } }',
      '    then: [hangup]',
      '  - id: everyone-else',
      '    then: [hangup]',
      '',
    ].join('\n'),
  }),
);

describe('explainDecision', () => {
  it('names, for each rule before the winner, the first condition that failed with both values', () => {
    const payload = makeCallActionPayload({ source: '+60123456789', destinationRefId: 'vn-ref-1', sourceCountryCode: 'MY' });
    const { decision, skipped } = explainDecision(ruleSet, payload);
    expect(decision).toMatchObject({ outcome: 'matched', ruleId: 'everyone-else' });
    expect(skipped.map((s) => s.text)).toEqual([
      'vip: source is "+60123456789", wanted one of "+6591234567", "+6598765432"',
      'sg-mobile: sourceCountryCode is "MY", wanted "SG"',
      'sg-support: sourceCountryCode is "MY", wanted "SG"',
      'menu: dtmf is missing, wanted matching /^[1-9]$/',
    ]);
  });

  it('stops at the winner: rules after it are not listed', () => {
    const payload = makeCallActionPayload({ source: '+6561234567', destinationRefId: 'vn-ref-1', sourceCountryCode: 'sg' });
    const { decision, skipped } = explainDecision(ruleSet, payload);
    expect(decision).toMatchObject({ outcome: 'matched', ruleId: 'sg-support' });
    expect(skipped.map((s) => s.rule.id)).toEqual(['vip', 'sg-mobile']);
    expect(skipped[1]).toMatchObject({ field: 'source', actual: '+6561234567', wanted: 'starting with "+659"' });
  });
});

describe.each([
  ['SG', '"SG"'],
  [65, '"65"'],
  [['SG', 'MY'], 'one of "SG", "MY"'],
  [{ prefix: ['+659', '+658'] }, 'starting with "+659" or "+658"'],
  [{ regex: '^\\+65' }, 'matching /^\\+65/'],
  [{ not: ['SG', 'MY'] }, 'not one of "SG", "MY"'],
  [{ in: 'vip-numbers' }, 'on the list "vip-numbers"'],
  [{ in: ['vip-numbers', 'staff'] }, 'on the list "vip-numbers" or "staff"'],
])('describeSource(%j)', (source, words) => {
  it(`reads ${words}`, () => expect(describeSource(source)).toBe(words));
});

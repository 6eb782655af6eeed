import { describe, expect, it } from 'vitest';
import { build, buildOk, call, VOICE } from './helpers/rules.js';
import type { CallActionPayload } from '../src/types/generated/call-action.js';

// One rule with the condition under test; the catch-all below it shows when it did not match.
function routes(condition: string, fields: Partial<CallActionPayload>): string | undefined {
  const ruleSet = buildOk({
    'rules.yaml': `rules:\n  - id: hit\n    when:\n      ${condition}\n    then: [hangup]\n  - id: miss\n    then: [hangup]\n`,
  });
  const decision = call(ruleSet, fields);
  return decision.outcome === 'matched' ? decision.ruleId : undefined;
}

describe.each([
  // [what, condition, call fields, expected rule]
  ['a literal matches exactly', 'destinationRefId: vn-ref-1', { destinationRefId: 'vn-ref-1' }, 'hit'],
  ['a literal does not match another value', 'destinationRefId: vn-ref-1', { destinationRefId: 'vn-ref-10' }, 'miss'],
  ['a literal does not match a missing field', 'destinationRefId: vn-ref-1', {}, 'miss'],
  ['a list matches any of its values', 'destinationRefId: [vn-ref-1, vn-ref-2]', { destinationRefId: 'vn-ref-2' }, 'hit'],
  ['a list matches none of the others', 'destinationRefId: [vn-ref-1, vn-ref-2]', { destinationRefId: 'vn-ref-3' }, 'miss'],
  ['a phone number written with spaces', 'source: "+65 9123 4567"', { source: '+6591234567' }, 'hit'],
  ['a phone number written with 00', 'source: "006591234567"', { source: '+6591234567' }, 'hit'],
  ['an unquoted phone number keeps its digits', 'source: +6591234567', { source: '+6591234567' }, 'hit'],
  ['an event number sent without + still matches', 'source: "+6591234567"', { source: '6591234567' }, 'hit'],
  ['a different phone number', 'source: "+6591234567"', { source: '+6591234568' }, 'miss'],
  ['a country code in lower case', 'sourceCountryCode: sg', { sourceCountryCode: 'SG' }, 'hit'],
  ['a country code sent in lower case', 'sourceCountryCode: SG', { sourceCountryCode: 'sg' }, 'hit'],
  ['other fields are case-sensitive', 'destinationRefId: VN-REF-1', { destinationRefId: 'vn-ref-1' }, 'miss'],
  ['a prefix', 'source: { prefix: "+659" }', { source: '+6591234567' }, 'hit'],
  ['a prefix that does not fit', 'source: { prefix: "+658" }', { source: '+6591234567' }, 'miss'],
  ['a list of prefixes', 'source: { prefix: ["+601", "+659"] }', { source: '+6591234567' }, 'hit'],
  ['a prefix on a text field', 'destinationRefId: { prefix: vn- }', { destinationRefId: 'vn-ref-1' }, 'hit'],
  ['a regex', 'source: { regex: "^\\\\+65[89]" }', { source: '+6581234567' }, 'hit'],
  ['a regex that does not match', 'source: { regex: "^\\\\+65[89]" }', { source: '+6561234567' }, 'miss'],
  ['a regex on a country ignores case', 'sourceCountryCode: { regex: "^s" }', { sourceCountryCode: 'SG' }, 'hit'],
  ['not a literal', 'sourceCountryCode: { not: SG }', { sourceCountryCode: 'MY' }, 'hit'],
  ['not a literal, same value', 'sourceCountryCode: { not: SG }', { sourceCountryCode: 'SG' }, 'miss'],
  ['not a list', 'sourceCountryCode: { not: [SG, MY] }', { sourceCountryCode: 'MY' }, 'miss'],
  ['not a prefix', 'source: { not: { prefix: "+65" } }', { source: '+60123456789' }, 'hit'],
  ['not matches a missing field', 'clientActionId: { not: main-menu }', {}, 'hit'],
  ['a list mixing values and operators', 'source: ["+6011111111", { prefix: "+659" }]', { source: '+6591234567' }, 'hit'],
  ['dtmf from eventData', 'dtmf: "1"', { eventData: { dtmf: '1' } }, 'hit'],
  ['dtmf from an older string eventData', 'dtmf: "1"', { eventData: '1' }, 'hit'],
  ['dtmf from payload.dtmf', 'dtmf: "1"', { dtmf: '1' }, 'hit'],
  ['an unquoted dtmf number', 'dtmf: 1', { eventData: { dtmf: '1' } }, 'hit'],
  ['subAccountId', 'subAccountId: acme', { subAccountId: 'acme' }, 'hit'],
  ['callStatus', 'callStatus: ACTION_COMPLETED', { callStatus: 'CALL_RECEIVED' }, 'miss'],
] as const)('%s', (_what, condition, fields, expected) => {
  it(`routes to ${expected}`, () => {
    expect(routes(condition, fields as Partial<CallActionPayload>)).toBe(expected);
  });
});

describe('several conditions', () => {
  const ruleSet = buildOk({
    'rules.yaml': `rules:
  - id: both
    when: { destinationRefId: vn-ref-1, sourceCountryCode: SG }
    then: [hangup]
  - id: rest
    then: [hangup]
`,
  });

  it.each([
    [{ destinationRefId: 'vn-ref-1', sourceCountryCode: 'SG' }, 'both'],
    [{ destinationRefId: 'vn-ref-1', sourceCountryCode: 'MY' }, 'rest'],
    [{ destinationRefId: 'vn-ref-2', sourceCountryCode: 'SG' }, 'rest'],
  ])('must all hold: %o goes to %s', (fields, expected) => {
    const d = call(ruleSet, fields);
    expect(d.outcome === 'matched' && d.ruleId).toBe(expected);
  });
});

describe('country codes', () => {
  it.each([
    ['a three-letter code in a rule', { 'r.yaml': 'rules:\n  - id: r\n    when: { sourceCountryCode: SGP }\n    then: [hangup]\n' }, undefined, 'r.yaml', 3],
    ['a country name in a list of countries', { 'r.yaml': 'rules:\n  - id: r\n    when: { sourceCountryCode: { in: asean } }\n    then: [hangup]\n' }, 'lists:\n  asean: [SG, Malaysia]\n', 'settings.yaml', 3],
  ])('rejects %s: 8x8 sends two letters', (_what, files, lists, file, line) => {
    const result = build(files, `voiceProfile: ${VOICE}\n${lists ?? ''}`);
    expect(result.ruleSet).toBeUndefined();
    expect(result.diagnostics).toMatchObject([{ code: 'bad-country-code', file, line }]);
    expect(result.diagnostics[0]!.message).toContain('two letters');
  });
});

describe('a broken settings.yaml', () => {
  it('is reported alone, not echoed as unknown lists in every rule that uses them', () => {
    const result = build({ 'r.yaml': 'rules:\n  - id: r\n    when: { source: { in: vip } }\n    then: [hangup]\n' }, 'voiceProfle: en-US-ZiraRUS\nlists:\n  vip: ["+6591234567"]\n');
    expect(result.ruleSet).toBeUndefined();
    expect(result.diagnostics.map((d) => [d.code, d.file])).toEqual([
      ['unknown-field', 'settings.yaml'],
      ['settings-not-loaded', 'settings.yaml'],
    ]);
  });
});

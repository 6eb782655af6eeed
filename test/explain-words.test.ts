import { describe, expect, it } from 'vitest';
import { explainDecision } from '../src/engine/explain-decision.js';
import { makeCallActionPayload } from '../src/events/make-event.js';
import { parseRuleTests } from '../src/rule-tests/parse-rule-tests.js';
import { runRuleTests } from '../src/rule-tests/run-rule-tests.js';
import type { CallActionPayload } from '../src/types/generated/call-action.js';
import { mustBuild } from './helpers/routing-build.js';

const SETTINGS = 'voiceProfile: en-US-ZiraRUS\nlists:\n  vip-numbers: ["+6591234567", "+6598765432"]\n  asean: [SG, MY, ID]\n';
const RULES = [
  'rules:',
  '  - id: vip',
  '    when: { source: { in: vip-numbers } }',
  '    then: [hangup]',
  '  - id: asean',
  '    when: { sourceCountryCode: { in: [asean] }, destinationRefId: vn-ref-9 }',
  '    then: [hangup]',
  '  - id: office-hours',
  '    when: { time: { timezone: Asia/Singapore, days: mon-fri, hours: "09:00-18:00", except: sg-holidays } }',
  '    then: [hangup]',
  '  - id: nights',
  '    when: { time: [{ timezone: America/New_York, hours: "22:00-06:00" }, { timezone: America/New_York, days: [tue, wed] }] }',
  '    then: [hangup]',
  '  - id: rides',
  '    when: { destinationRefId: vn-ref-3 }',
  '    then:',
  '      - makeCall: other-party',
  '  - id: helpdesk',
  '    when: { destinationRefId: vn-ref-4 }',
  '    then:',
  '      - split:',
  '          - weight: 70',
  '            then: [{ makeCall: "+6561234567" }]',
  '          - weight: 30',
  '            then: [{ makeCall: "+6562345678" }]',
  '  - id: echo',
  '    when: { destinationRefId: vn-ref-5 }',
  '    then:',
  '      - say: "{{clientActionId}}"',
  '  - id: everyone-else',
  '    then: [hangup]',
  '',
].join('\n');
const ruleSet = mustBuild({
  settings: `${SETTINGS}calendars:\n  sg-holidays: ["2026-12-25"]\n`,
  rules: { 'a.yaml': RULES },
  pairs: { 'pairs.csv': 'virtualNumber,partyA,partyB,expires\nvn-ref-3,+6591110001,+6592220001,\n' },
});
// Saturday 2026-03-07 20:00 in Singapore is 07:00 in New York.
const SATURDAY = new Date('2026-03-07T12:00:00Z');

describe('--explain names every kind of condition in plain words', () => {
  it.each([
    ['a named list, by name and size', 'vip', { source: '+6562220001' }, 'vip: source is "+6562220001", wanted a number on the list `vip-numbers` (2 numbers)'],
    ['a list of lists', 'asean', { sourceCountryCode: 'US' }, 'asean: sourceCountryCode is "US", wanted a value on the list `asean` (3 values)'],
    ['a time window, in the rule’s own zone', 'office-hours', {}, 'office-hours: the call came at Sat 2026-03-07 20:00 Asia/Singapore time, wanted mon-fri 09:00-18:00, except on sg-holidays (Asia/Singapore)'],
    ['several time windows', 'nights', {}, 'nights: the call came at Sat 2026-03-07 07:00 America/New_York time, wanted 22:00-06:00 (America/New_York); or tue, wed (America/New_York)'],
    ['a masking pair', 'rides', { destinationRefId: 'vn-ref-3', source: '+6591110009' }, 'rides: the caller has no open masking session or pair on this number, and the rule has no `else`'],
  ])('%s', (_what, ruleId, fields, text) => {
    const { skipped } = explainDecision(ruleSet, makeCallActionPayload(fields as Partial<CallActionPayload>), { now: SATURDAY });
    expect(skipped.find((s) => s.rule.id === ruleId)?.text).toBe(text);
  });
});

describe('a failed rule test says why in plain words', () => {
  const why = (yaml: string) => {
    const parsed = parseRuleTests({ file: 'tests/t.yaml', text: yaml });
    expect(parsed.diagnostics).toEqual([]);
    const result = runRuleTests(ruleSet, parsed.tests, { now: SATURDAY });
    return (result.diagnostics[0]?.detail ?? '').split('\n').filter((l) => l.startsWith('why: '));
  };
  it.each([
    [
      'the expected rule matched but its callflow cannot be made',
      'call: { destinationRefId: vn-ref-5 }\n    expect: { rule: echo }',
      ['why: echo matches this call, but its callflow cannot be made: say text is empty for this call; so the fallback answered'],
    ],
    [
      'a split sent the session to the other branch',
      'call: { destinationRefId: vn-ref-4, sessionId: s-1 }\n    expect:\n      rule: helpdesk\n      callflow:\n        - makeCall: "+6581234567"',
      ['why: the split in helpdesk sends session "s-1" to branch 1 of 2 (weight 70 of 100); another sessionId may take another branch'],
    ],
    ['an earlier rule comes first', 'call: { source: "+6591234567" }\n    expect: { rule: everyone-else }', ['why: everyone-else matches this call too, but vip comes first']],
  ])('%s', (_what, body, lines) => {
    expect(why(`tests:\n  - name: n\n    ${body}\n`)).toEqual(lines);
  });
});

import { describe, expect, it } from 'vitest';
import { build, call, mustBuild, ruleFor, VOICE, where } from './helpers/routing-build.js';

const SETTINGS = `${VOICE}lists:
  vip-numbers: ["+65 9123 4567", "006598765432", +6590000000]
  asean: [sg, MY, id]
  agents: [agent-1, Agent-2]
`;

describe('named lists', () => {
  const rules = `rules:
  - id: vip
    when:
      destinationRefId: vn-ref-1
      source: { in: vip-numbers }
    then: [hangup]
  - id: asean
    when:
      sourceCountryCode: { in: asean }
    then: [hangup]
  - id: not-vip
    when:
      source: { not: { in: [vip-numbers] } }
      clientActionId: { in: agents }
    then: [hangup]
  - id: rest
    then: [hangup]
`;
  const ruleSet = mustBuild({ settings: SETTINGS, rules: { 'r.yaml': rules } });

  it.each([
    ['a number written with spaces in the list', { destinationRefId: 'vn-ref-1', source: '+6591234567' }, 'vip'],
    ['a number written with 00 in the list', { destinationRefId: 'vn-ref-1', source: '+6598765432' }, 'vip'],
    ['a number YAML would read as an integer', { destinationRefId: 'vn-ref-1', source: '+6590000000' }, 'vip'],
    ['a caller not in the list', { destinationRefId: 'vn-ref-1', source: '+6581111111', sourceCountryCode: 'US' }, 'rest'],
    ['a country group written in lower case', { destinationRefId: 'x', source: '+6581111111', sourceCountryCode: 'SG' }, 'asean'],
    ['a country group matched case-blind', { destinationRefId: 'x', source: '+6281111111', sourceCountryCode: 'id' }, 'asean'],
    ['`not` around `in`, with other values compared as written', { source: '+14155550100', sourceCountryCode: 'US', clientActionId: 'agent-1' }, 'not-vip'],
    ['other values compared exactly', { source: '+14155550100', sourceCountryCode: 'US', clientActionId: 'agent-2' }, 'rest'],
  ])('matches %s', (_name, fields, expected) => {
    expect(ruleFor(ruleSet, fields)).toBe(expected);
  });

  it('files a rule using a list of callers in the exact-value index', () => {
    const vip = ruleSet.rules.find((r) => r.id === 'vip')!;
    expect(ruleSet.index.candidates('destinationRefId', 'vn-ref-1')).toContain(vip);
    const source = vip.conditions.find((c) => c.field === 'source');
    expect(source?.kind === 'field' && source.matcher).toEqual({ kind: 'exact', values: new Set(['+6591234567', '+6598765432', '+6590000000']), lists: ['vip-numbers'] });
  });

  it.each([
    ['a misspelt list name', 'source: { in: vip-number }', 'r.yaml:4:21: unknown-list', /unknown list `vip-number`; did you mean `vip-numbers`\?/],
    ['a list name inside a list', 'source: { in: [vip-numbers, blocked] }', 'r.yaml:4:35: unknown-list', /unknown list `blocked`; lists in settings.yaml: vip-numbers, asean, agents/],
  ])('reports %s', (_name, condition, position, message) => {
    const result = build({ settings: SETTINGS, rules: { 'r.yaml': `rules:\n  - id: r\n    when:\n      ${condition}\n    then: [hangup]\n` } });
    expect(where(result)).toEqual([position]);
    expect(result.diagnostics[0]?.message).toMatch(message);
  });

  it('reports a bad number in a list once, at the list entry, however many rules use it', () => {
    const settings = `${VOICE}lists:\n  vip-numbers: ["+6591234567", "call me"]\n`;
    const rules = `rules:
  - id: a
    when: { source: { in: vip-numbers } }
    then: [hangup]
  - id: b
    when: { destination: { in: vip-numbers } }
    then: [hangup]
`;
    expect(where(build({ settings, rules: { 'r.yaml': rules } }))).toEqual(['settings.yaml:3:32: bad-phone-number']);
  });

  it('rejects a list name with spaces', () => {
    const result = build({ settings: `${VOICE}lists:\n  "vip numbers": ["+6591234567"]\n`, rules: { 'r.yaml': 'rules:\n  - id: r\n    then: [hangup]\n' } });
    expect(result.ruleSet).toBeUndefined();
    const errors = result.diagnostics.filter((d) => d.severity === 'error');
    expect(errors.map((d) => `${d.file}:${d.line}:${d.col}: ${d.message}`)).toEqual(['settings.yaml:3:3: the name "vip numbers" may use only letters, digits, - and _ (at most 64 characters)']);
  });
});

function scoped(subAccountId: string, id: string, extra = '', destination = '+6561234567'): string {
  return `scope:\n  subAccountId: ${subAccountId}\nrules:\n  - id: ${id}\n${extra}    then:\n      - makeCall: "${destination}"\n`;
}

describe('scoping by sub-account', () => {
  const ruleSet = mustBuild({
    settings: VOICE,
    rules: {
      '10-acme-sg.yaml': scoped('acme-sg', 'front-desk', '', '+6561111111'),
      '20-acme-my.yaml': scoped('acme-my', 'front-desk', '', '+60321234567'),
      '90-rest.yaml': 'rules:\n  - id: rest\n    then: [hangup]\n',
    },
  });

  it.each([
    ['acme-sg', 'front-desk', '+6561111111'],
    ['acme-my', 'front-desk', '+60321234567'],
    ['another sub-account', 'rest', undefined],
  ])("a call of %s reaches only that sub-account's rules", (subAccountId, ruleId, destination) => {
    const d = call(ruleSet, { subAccountId });
    expect(d.outcome === 'matched' && d.ruleId).toBe(ruleId);
    const makeCall = d.response.callflow.find((a) => a.action === 'makeCall');
    expect(makeCall?.action === 'makeCall' ? makeCall.params.destination : undefined).toBe(destination);
  });

  it('lets one file serve a list of sub-accounts', () => {
    const only = mustBuild({ settings: VOICE, rules: { 'a.yaml': scoped('[acme-sg, acme-my]', 'shared') } });
    expect(ruleFor(only, { subAccountId: 'acme-my' })).toBe('shared');
    expect(ruleFor(only, { subAccountId: 'acme-id' })).toBe('fallback');
  });

  it.each([
    ['two unscoped rules', 'rules:\n  - id: x\n    then: [hangup]\n', 'rules:\n  - id: x\n    then: [hangup]\n', /ids must be unique across all files/],
    ['an unscoped and a scoped rule', 'rules:\n  - id: x\n    then: [hangup]\n', scoped('acme-sg', 'x'), /ids must be unique within a sub-account/],
    ['two files scoped to overlapping sub-accounts', scoped('[acme-sg, acme-my]', 'x'), scoped('acme-my', 'x'), /ids must be unique within a sub-account/],
  ])('rejects a duplicate rule id between %s', (_name, a, b, message) => {
    const result = build({ settings: VOICE, rules: { 'a.yaml': a, 'b.yaml': b } });
    expect(result.diagnostics.map((d) => d.code)).toEqual(['duplicate-id']);
    expect(result.diagnostics[0]?.file).toBe('b.yaml');
    expect(result.diagnostics[0]?.message).toMatch(message);
  });

  it('lets a rule scope itself with `when: subAccountId`', () => {
    const rule = (sub: string) => `rules:\n  - id: x\n    when: { subAccountId: ${sub} }\n    then: [hangup]\n`;
    expect(build({ settings: VOICE, rules: { 'a.yaml': rule('acme-sg'), 'b.yaml': rule('acme-my') } }).diagnostics).toEqual([]);
    expect(build({ settings: VOICE, rules: { 'a.yaml': rule('acme-sg'), 'b.yaml': rule('[acme-my, acme-sg]') } }).diagnostics.map((d) => d.code)).toEqual(['duplicate-id']);
  });

  it('rejects a sub-account id 8x8 would not issue', () => {
    const result = build({ settings: VOICE, rules: { 'a.yaml': scoped('"a b"', 'x') } });
    expect(result.diagnostics.map((d) => `${d.line}:${d.col}: ${d.code}`)).toEqual(['2:17: bad-value']);
  });
});

import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { loadRules } from '../src/rules/load-rules.js';
import { packRuleSet, unpackRuleSet } from '../src/rules/packed-rule-set.js';
import { decide } from '../src/engine/decide.js';
import { makeCallActionPayload } from '../src/events/make-event.js';
import type { CallActionPayload } from '../src/types/generated/call-action.js';

const RULES_DIR = fileURLToPath(new URL('../rules', import.meta.url));
const loaded = await loadRules(RULES_DIR);
const ruleSet = loaded.ruleSet!;

// Tuesday 2026-11-24 10:00 in Singapore; a Singapore public holiday; a Saturday night.
const WORKDAY_10AM = new Date('2026-11-24T02:00:00Z');
const NATIONAL_DAY_OBSERVED = new Date('2026-08-10T02:00:00Z'); // National Day is a Sunday: the Monday is off
const CHRISTMAS_10AM = new Date('2026-12-25T02:00:00Z');
const SATURDAY_11PM = new Date('2026-11-28T15:00:00Z');
const SATURDAY_NOON = new Date('2026-11-28T04:00:00Z');

function answer(fields: Partial<CallActionPayload>, now = WORKDAY_10AM) {
  const d = decide(ruleSet, makeCallActionPayload(fields), { now });
  const makeCall = d.response.callflow.find((a) => a.action === 'makeCall');
  return {
    rule: d.outcome === 'matched' ? d.ruleId : 'fallback',
    ...(d.outcome === 'matched' && d.branch ? { branch: d.branch } : {}),
    ...(makeCall?.action === 'makeCall' ? { to: makeCall.params.destination } : {}),
  };
}

describe('the sample rules folder', () => {
  it('builds without errors or warnings', () => {
    expect(loaded.diagnostics).toEqual([]);
  });

  it.each([
    // The rules that were there before the routing features still take the same calls.
    ['a VIP caller of vn-ref-1', { destinationRefId: 'vn-ref-1', source: '+6591234567' }, { rule: 'vip-callers', to: '+6587654321' }],
    ['the other VIP caller', { destinationRefId: 'vn-ref-1', source: '+6598765432' }, { rule: 'vip-callers', to: '+6587654321' }],
    ['a menu choice of 1 on vn-ref-2', { destinationRefId: 'vn-ref-2', clientActionId: 'main-menu', eventData: { dtmf: '1' } }, { rule: 'menu-sales', to: '+6561234567' }],
    ['a Singapore mobile caller of vn-ref-1', { destinationRefId: 'vn-ref-1', source: '+6591112222', sourceCountryCode: 'SG' }, { rule: 'sg-mobile-support', to: '+6587654321' }],
    ['a Singapore landline caller of vn-ref-1', { destinationRefId: 'vn-ref-1', source: '+6561112222', sourceCountryCode: 'SG' }, { rule: 'sg-support', to: '+6587654321' }],
    ['a US caller of vn-ref-1', { destinationRefId: 'vn-ref-1', source: '+14155550100', sourceCountryCode: 'US' }, { rule: 'everyone-else' }],
    // Named lists.
    ['a blocked caller, whatever they call', { destinationRefId: 'vn-ref-1', source: '+6581230001' }, { rule: 'blocked-callers' }],
    // Masking pairs (pairs/rides.csv).
    ['a rider calling their driver', { destinationRefId: 'vn-ref-3', source: '+6591110001' }, { rule: 'ride-masking', to: '+6592220001' }],
    ['the driver calling back', { destinationRefId: 'vn-ref-3', source: '+6592220001' }, { rule: 'ride-masking', to: '+6591110001' }],
    ['a rider whose pair expired', { destinationRefId: 'vn-ref-3', source: '+6591110003' }, { rule: 'ride-masking', branch: 'else' }],
    ['a stranger calling the ride number', { destinationRefId: 'vn-ref-3', source: '+6581234567' }, { rule: 'ride-masking', branch: 'else' }],
    ['a delivery pair on a number-keyed virtual number', { destinationRefId: 'vn-ref-9', destination: '+6568332049', source: '+6592220004' }, { rule: 'delivery-masking', to: '+6591110004' }],
    ['a stranger on the delivery number goes on to the next rule', { destinationRefId: 'vn-ref-9', destination: '+6568332049', source: '+6581234567' }, { rule: 'everyone-else' }],
    // Scoped sub-accounts with the same rule id, and a country group.
    ['an Indonesian caller of sub-account acme-id', { subAccountId: 'acme-id', sourceCountryCode: 'ID', source: '+628123456789' }, { rule: 'front-desk', to: '+62215551234' }],
    ['a Malaysian caller of sub-account acme-my', { subAccountId: 'acme-my', sourceCountryCode: 'MY', source: '+60123456789' }, { rule: 'front-desk', to: '+60321234567' }],
    ['a US caller of sub-account acme-my', { subAccountId: 'acme-my', sourceCountryCode: 'US', source: '+14155550100' }, { rule: 'everyone-else' }],
  ])('answers %s', (_name, fields, expected) => {
    expect(answer(fields)).toEqual(expected);
  });

  it.each([
    ['on a working day at 10:00', WORKDAY_10AM, 'helpdesk-open'],
    ['on the Monday after National Day (a holiday range) at 10:00', NATIONAL_DAY_OBSERVED, 'helpdesk-closed'],
    ['on Christmas Day at 10:00', CHRISTMAS_10AM, 'helpdesk-closed'],
    ['on Saturday at noon', SATURDAY_NOON, 'helpdesk-closed'],
    ['on Saturday at 23:00', SATURDAY_11PM, 'helpdesk-night'],
  ])('answers the helpdesk %s', (_name, now, rule) => {
    expect(answer({ destinationRefId: 'vn-ref-4', source: '+6581234567' }, now).rule).toBe(rule);
  });

  it('shares open-hours helpdesk calls between the two teams by session', () => {
    const teams = new Set<string | undefined>();
    for (let i = 0; i < 50; i++) teams.add(answer({ destinationRefId: 'vn-ref-4', sessionId: `s-${i}` }).to);
    expect([...teams].sort()).toEqual(['+6561234567', '+6562345678']);
  });
});

describe('the sample rule set after packing and cloning (as the loader process hands it over)', () => {
  const cloned = unpackRuleSet(structuredClone(packRuleSet(ruleSet)));
  it.each([
    ['a time rule', { destinationRefId: 'vn-ref-4', sessionId: 's-1' }, SATURDAY_11PM],
    ['a time rule with a split', { destinationRefId: 'vn-ref-4', sessionId: 's-2' }, WORKDAY_10AM],
    ['a masking pair', { destinationRefId: 'vn-ref-3', source: '+6591110001' }, WORKDAY_10AM],
    ['a scoped rule with a list', { subAccountId: 'acme-my', sourceCountryCode: 'MY' }, WORKDAY_10AM],
  ])('answers %s the same', (_name, fields, now) => {
    const payload = makeCallActionPayload(fields);
    expect(decide(cloned, payload, { now })).toEqual(decide(ruleSet, payload, { now }));
  });
});

import { describe, expect, it } from 'vitest';
import { build, buildOk, call, expectValidCallflow, VOICE } from './helpers/rules.js';

const DEFAULTS = { completeOnHash: true, minDigits: 1, maxDigits: 25, overallTimeout: 10000, noOfTries: 1 };

function answer(thenYaml: string) {
  const ruleSet = buildOk({ 'r.yaml': `rules:\n  - id: ask\n    then:\n${thenYaml}\n` });
  const decision = call(ruleSet, { destination: '+6568332048', source: '+6591234567' });
  expect(decision.outcome).toBe('matched');
  expectValidCallflow(decision.response);
  return decision.response;
}

describe('sayAndCapture becomes 8x8 params, with the defaults sent explicitly', () => {
  it.each([
    ['shorthand', '      - sayAndCapture: "Enter your order number, then press hash."', { promptMessage: 'Enter your order number, then press hash.', voiceProfile: VOICE, ...DEFAULTS }],
    [
      'full form with every parameter',
      '      - sayAndCapture: { promptMessage: "PIN please", voiceProfile: en-GB-Emma, speed: 0.9, completeOnHash: false, minDigits: 4, maxDigits: 6, digitTimeout: 3000, overallTimeout: 15000, noOfTries: 2, successMessage: "Thanks", failureMessage: "Sorry" }',
      {
        promptMessage: 'PIN please',
        voiceProfile: 'en-GB-Emma',
        speed: 0.9,
        completeOnHash: false,
        minDigits: 4,
        maxDigits: 6,
        digitTimeout: 3000,
        overallTimeout: 15000,
        noOfTries: 2,
        successMessage: 'Thanks',
        failureMessage: 'Sorry',
      },
    ],
    ['empty success and failure messages are left out', '      - sayAndCapture: { promptMessage: "Hi", successMessage: ~, failureMessage: ~ }', { promptMessage: 'Hi', voiceProfile: VOICE, ...DEFAULTS }],
    [
      'placeholders are filled in',
      '      - sayAndCapture: { promptMessage: "Caller {{source}}, press 1", maxDigits: 1 }',
      { promptMessage: 'Caller +6591234567, press 1', voiceProfile: VOICE, ...DEFAULTS, maxDigits: 1 },
    ],
    [
      'completeOnHash false with 25 digits is accepted',
      '      - sayAndCapture: { promptMessage: "Hi", completeOnHash: false, maxDigits: 25 }',
      { promptMessage: 'Hi', voiceProfile: VOICE, ...DEFAULTS, completeOnHash: false },
    ],
  ])('%s', (_what, thenYaml, params) => {
    const response = answer(thenYaml);
    expect(response.callflow).toEqual([{ action: 'sayAndCapture', params }]);
    // The keys come back with the rule's id, for a later rule to match.
    expect(response.clientActionId).toBe('ask');
  });
});

describe("8x8's sayAndCapture rules are enforced when the rules load, with 8x8's code in the message", () => {
  it.each([
    // `spot` is where the message points: the text just after it on line 4.
    ['minDigits without maxDigits', '{ promptMessage: "Hi", minDigits: 2 }', 'capture-needs-max-digits', '-1003', '"Hi", '],
    ['digitTimeout without overallTimeout', '{ promptMessage: "Hi", digitTimeout: 2000 }', 'capture-needs-overall-timeout', '-1005', '"Hi", '],
    ['overallTimeout equal to digitTimeout', '{ promptMessage: "Hi", digitTimeout: 2000, overallTimeout: 2000 }', 'capture-timeout-order', '-1006', 'overallTimeout: '],
    ['overallTimeout below digitTimeout', '{ promptMessage: "Hi", digitTimeout: 5000, overallTimeout: 3000 }', 'capture-timeout-order', '-1006', 'overallTimeout: '],
    ['completeOnHash false without maxDigits', '{ promptMessage: "Hi", completeOnHash: false }', 'capture-hash-needs-max-digits', '-1008', 'completeOnHash: '],
    ['completeOnHash false with 26 digits', '{ promptMessage: "Hi", completeOnHash: false, maxDigits: 26 }', 'capture-hash-needs-max-digits', '-1008', 'maxDigits: '],
  ])('%s (%s)', (_what, options, code, eightByEight, spot) => {
    const line = `      - sayAndCapture: ${options}`;
    const result = build({ 'r.yaml': `rules:\n  - id: ask\n    then:\n${line}\n` }, `voiceProfile: ${VOICE}\n`);
    expect(result.ruleSet).toBeUndefined();
    expect(result.diagnostics).toHaveLength(1);
    expect(result.diagnostics[0]).toMatchObject({ code, severity: 'error', file: 'r.yaml', line: 4, col: line.indexOf(spot) + spot.length + 1 });
    expect(result.diagnostics[0]!.message).toContain(eightByEight);
  });

  it.each([
    ['a prompt over 3000 characters', `promptMessage: "${'a'.repeat(3001)}"`, 'too-long'],
    ['an empty prompt', 'promptMessage: ""', 'too-short'],
    ['a successMessage over 3000 characters', `promptMessage: "Hi", successMessage: "${'a'.repeat(3001)}"`, 'too-long'],
    ['speed out of range', 'promptMessage: "Hi", speed: 3', 'too-large'],
    ['maxDigits of 0', 'promptMessage: "Hi", maxDigits: 0', 'too-small'],
    ['a parameter 8x8 does not know', 'promptMessage: "Hi", repetition: 2', 'unknown-field'],
    ['minDigits above maxDigits', 'promptMessage: "Hi", minDigits: 5, maxDigits: 4', 'capture-min-over-max'],
  ])('rejects %s', (_what, options, code) => {
    const result = build({ 'r.yaml': `rules:\n  - id: ask\n    then:\n      - sayAndCapture: { ${options} }\n` }, `voiceProfile: ${VOICE}\n`);
    expect(result.ruleSet).toBeUndefined();
    expect(result.diagnostics.map((d) => d.code)).toContain(code);
    expect(result.diagnostics[0]).toMatchObject({ file: 'r.yaml', line: 4 });
  });

  it('needs a voice, as say does', () => {
    const result = build({ 'r.yaml': 'rules:\n  - id: ask\n    then:\n      - sayAndCapture: "Press 1"\n' }, 'fallback: [hangup]\n');
    expect(result.diagnostics).toMatchObject([{ code: 'missing-voice-profile', file: 'r.yaml', line: 4, col: 9 }]);
  });

  it('must be the last action: the keys come back as the next event', () => {
    const result = build({ 'r.yaml': 'rules:\n  - id: ask\n    then:\n      - sayAndCapture: "Press 1"\n      - hangup\n' }, `voiceProfile: ${VOICE}\n`);
    expect(result.diagnostics).toMatchObject([{ code: 'capture-not-last', file: 'r.yaml', line: 4, col: 9 }]);
  });

  it('gives a rule for the keys: the next event carries the rule id and the digits', () => {
    const ruleSet = buildOk({
      'r.yaml': [
        'rules:',
        '  - id: order-number',
        '    when: { clientActionId: ask, dtmf: { regex: "^[0-9]{4}$" } }',
        '    then: [{ say: "Thank you, order {{dtmf}}." }, hangup]',
        '  - id: ask',
        '    then: [{ sayAndCapture: { promptMessage: "Your order number?", minDigits: 4, maxDigits: 4 } }]',
      ].join('\n'),
    });
    const next = call(ruleSet, { callStatus: 'ACTION_COMPLETED', clientActionId: 'ask', eventData: { dtmf: '4711' } });
    expect(next.response.callflow[0]).toEqual({ action: 'say', params: { text: 'Thank you, order 4711.', voiceProfile: VOICE } });
  });
});

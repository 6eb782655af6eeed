import { describe, expect, it } from 'vitest';
import { decide, decideText, fallbackResponse, fallbackText } from '../src/engine/decide.js';
import type { RuleSet } from '../src/engine/rule-set.js';
import { makeCallActionPayload } from '../src/events/make-event.js';
import { checkRulesDir } from '../src/rule-tests/check-rules-dir.js';
import { callsToReplay } from '../src/rule-tests/compare-rule-sets.js';
import { payloadFor } from '../src/rule-tests/parse-rule-tests.js';
import type { CallActionPayload } from '../src/types/generated/call-action.js';
import { mustBuild, VOICE } from './helpers/routing-build.js';

/** What the webhook sends must be byte for byte what it sent when it serialised decide()'s object. */
function expectSameText(ruleSet: RuleSet, payload: CallActionPayload, now: Date) {
  const object = decide(ruleSet, payload, { now });
  const text = decideText(ruleSet, payload, { now });
  expect(text.response).toBe(JSON.stringify(object.response));
  const { response: _a, callee: _c, ...textRest } = text;
  const { response: _b, ...objectRest } = object;
  expect(textRest).toEqual(objectRest);
  return text;
}

const NOW = new Date('2026-03-02T01:30:00Z');

describe('decideText (the callflow text from prepared pieces)', () => {
  it('answers every call of the sample rules and their tests with the same bytes as decide', async () => {
    const { ruleSet, tests } = await checkRulesDir('rules', undefined);
    const calls = callsToReplay(tests, ruleSet!, ruleSet!);
    expect(calls.length).toBeGreaterThan(20);
    for (const c of calls) expectSameText(ruleSet!, payloadFor(c.call, c.at ?? NOW), c.at ?? NOW);
  });

  const rules = mustBuild({
    settings: `${VOICE}fallback:\n  - say: "Sorry {{source}}, try later"\n  - hangup\n`,
    rules: {
      'a.yaml': `rules:
  - id: greet
    when: { destinationRefId: greet }
    then:
      - say: "Hello {{source}}, you called {{destination}} about \\"{{dtmf}}\\""
      - makeCall: "+6591110001"
  - id: fixed
    when: { destinationRefId: fixed }
    then:
      - say: "Welcome, caf\u00e9 \u2603 \\"quoted\\" \\\\ done"
      - playFile: "https://example.com/a.wav"
      - makeCall: { destination: "+6591110001", source: "+6561234567", callRecording: true }
  - id: menu
    when: { destinationRefId: menu }
    then:
      - sayAndCapture:
          promptMessage: "Press 1, {{source}}"
          successMessage: "Thanks"
          failureMessage: "No key from {{callId}}"
          maxDigits: 1
  - id: split
    when: { destinationRefId: split }
    then:
      - split:
          - weight: 1
            then: [{ say: "A {{sessionId}}" }, hangup]
          - weight: 1
            then: [{ say: "B" }, hangup]
  - id: empty-text
    when: { destinationRefId: empty }
    then:
      - say: "{{dtmf}}"
      - hangup
`,
    },
  });

  it.each([
    ['a template with quotes around a field', { destinationRefId: 'greet', source: '+6581234567', dtmf: '1"2' }],
    ['a field with a backslash, a newline and unicode', { destinationRefId: 'greet', source: 'a\\b\nc \u00e9\u{1F600}' }],
    ['a lone surrogate in a field', { destinationRefId: 'greet', source: '\uD83D' }],
    ['a caller ID that is not a number: the fallback', { destinationRefId: 'greet', destination: 'anonymous' }],
    ['a callflow with nothing from the call', { destinationRefId: 'fixed' }],
    ['a menu step with three texts', { destinationRefId: 'menu', callId: 'c-"1"' }],
    ['a split, one session', { destinationRefId: 'split', sessionId: 's-1' }],
    ['a split, another session', { destinationRefId: 'split', sessionId: 's-2' }],
    ['a text empty for this call: render error', { destinationRefId: 'empty' }],
    ['a text over 3000 characters for this call: render error', { destinationRefId: 'empty', dtmf: 'x'.repeat(3001) }],
    ['no rule matches: the templated fallback', { destinationRefId: 'nobody', source: '+6591110001' }],
  ])('%s', (_name, fields) => {
    const payload = makeCallActionPayload(fields as Partial<CallActionPayload>);
    // Twice: the first call prepares the pieces, the second uses them.
    expectSameText(rules, payload, NOW);
    expectSameText(rules, payload, NOW);
  });

  it.each([['+6591110001'], [''], ['"\\']])('writes the fallback for a caller %j as the same text', (source) => {
    const payload = makeCallActionPayload({ source });
    expect(fallbackText(rules, payload)).toBe(JSON.stringify(fallbackResponse(rules, payload)));
  });

  it('names who a masking call goes to', async () => {
    const masking = mustBuild({
      settings: VOICE,
      rules: { 'm.yaml': 'rules:\n  - id: mask\n    when: { destinationRefId: vn-1 }\n    then:\n      - makeCall: other-party\n' },
    });
    const sessions = { otherParty: () => ({ sessionId: 'sess-1', peer: '+6591110002', record: true }), byPin: () => undefined };
    const payload = makeCallActionPayload({ destinationRefId: 'vn-1', source: '+6591110001', destination: '+6568332049' });
    const text = decideText(masking, payload, { now: NOW, sessions });
    expect(text).toMatchObject({ outcome: 'matched', session: 'sess-1', callee: '+6591110002' });
    expect(text.response).toBe(JSON.stringify(decide(masking, payload, { now: NOW, sessions }).response));
  });
});

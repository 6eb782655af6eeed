import { describe, expect, it } from 'vitest';
import { build, buildOk, call, expectValidCallflow, VOICE } from './helpers/rules.js';

function answer(thenYaml: string, fields = {}) {
  const ruleSet = buildOk({ 'rules.yaml': `rules:\n  - id: r\n    then:\n${thenYaml}` });
  const decision = call(ruleSet, { destination: '+6568332048', ...fields });
  expect(decision.outcome).toBe('matched');
  expectValidCallflow(decision.response);
  return decision.response.callflow;
}

describe('each action, shorthand and full form, becomes 8x8 params', () => {
  it.each([
    ['say shorthand', '      - say: "Hello"', [{ action: 'say', params: { text: 'Hello', voiceProfile: VOICE } }]],
    ['say full form', '      - say: { text: "Hello", voiceProfile: en-GB-Emma, repetition: 2, speed: 1.5 }', [{ action: 'say', params: { text: 'Hello', voiceProfile: 'en-GB-Emma', repetition: 2, speed: 1.5 } }]],
    ['playFile shorthand', '      - playFile: https://example.com/a.mp3', [{ action: 'playFile', params: { fileUrl: 'https://example.com/a.mp3' } }]],
    ['playFile full form', '      - playFile: { fileUrl: "http://example.com/b.WAV?v=2", repetition: 3 }', [{ action: 'playFile', params: { fileUrl: 'http://example.com/b.WAV?v=2', repetition: 3 } }]],
    ['makeCall shorthand takes the called virtual number as caller ID', '      - makeCall: "+65 8765 4321"', [{ action: 'makeCall', params: { source: '+6568332048', destination: '+6587654321' } }]],
    [
      'makeCall full form',
      '      - makeCall: { destination: "0065 8765 4321", source: "+6568332049", callRecording: true }',
      [{ action: 'makeCall', params: { source: '+6568332049', destination: '+6587654321', callRecording: true } }],
    ],
    ['hangup shorthand', '      - hangup', [{ action: 'hangup' }]],
    ['hangup full form', '      - hangup: {}', [{ action: 'hangup' }]],
    [
      'two makeCalls are allowed',
      '      - makeCall: "+6587654321"\n      - makeCall: "+6591234567"',
      [
        { action: 'makeCall', params: { source: '+6568332048', destination: '+6587654321' } },
        { action: 'makeCall', params: { source: '+6568332048', destination: '+6591234567' } },
      ],
    ],
  ])('%s', (_what, thenYaml, expected) => {
    expect(answer(`${thenYaml}\n`)).toEqual(expected);
  });
});

describe('voiceProfile', () => {
  const say = 'rules:\n  - id: r\n    then:\n      - say: "Hi"\n';
  it.each([
    ['the say itself', { 'a.yaml': 'rules:\n  - id: r\n    then:\n      - say: { text: "Hi", voiceProfile: own }\n' }, 'folder', 'own'],
    ['the file defaults', { 'a.yaml': `defaults: { voiceProfile: file }\n${say}` }, 'folder', 'file'],
    ['settings.yaml', { 'a.yaml': say }, 'folder', 'folder'],
  ])('comes from %s first', (_where, files, folderVoice, expected) => {
    const ruleSet = buildOk(files, `voiceProfile: ${folderVoice}\n`);
    const first = call(ruleSet).response.callflow[0];
    expect(first).toMatchObject({ action: 'say', params: { voiceProfile: expected } });
  });

  const FIX = "Add a line like `voiceProfile: en-US-ZiraRUS` to settings.yaml (or to a file's `defaults:`, or to one say)";
  it.each([
    ['one say, no settings.yaml', { 'a.yaml': say }, undefined, { file: 'settings.yaml' }, '1 say (in a.yaml)'],
    [
      'nine says in two files, one error at settings.yaml',
      { 'a.yaml': `rules:\n  - id: r\n    then:\n${'      - say: "Hi"\n'.repeat(5)}`, 'b.yaml': `rules:\n  - id: s\n    then:\n${'      - say: "Hi"\n'.repeat(4)}` },
      'lists: {}\n',
      { file: 'settings.yaml', line: 1, col: 1 },
      '9 says (in a.yaml, b.yaml)',
    ],
  ])('is one load error when nothing gives one: %s', (_what, files, settings, where, affected) => {
    const result = build(files, settings);
    expect(result.ruleSet).toBeUndefined();
    expect(result.diagnostics).toEqual([{ severity: 'error', code: 'missing-voice-profile', message: `no voiceProfile is set, and 8x8 has no default voice: ${affected} cannot be spoken. ${FIX}`, ...where }]);
  });
});

describe('every 8x8 limit is checked when the rules load', () => {
  const settings = `voiceProfile: ${VOICE}\n`;
  it.each([
    ['say text empty', '- say: ""', 'too-short', 'must not be empty'],
    ['say text over 3000 characters', `- say: "${'a'.repeat(3001)}"`, 'too-long', '3001 characters, at most 3000'],
    ['repetition 0', '- say: { text: "x", repetition: 0 }', 'too-small', '`repetition` must be at least 1 for say'],
    ['repetition 4', '- playFile: { fileUrl: "https://e.com/a.mp3", repetition: 4 }', 'too-large', '`repetition` must be at most 3 for playFile'],
    ['repetition not whole', '- say: { text: "x", repetition: 1.5 }', 'wrong-type', '`repetition` must be a whole number'],
    ['speed too slow', '- say: { text: "x", speed: 0.4 }', 'too-small', '`speed` must be at least 0.5'],
    ['speed too fast', '- say: { text: "x", speed: 2.5 }', 'too-large', '`speed` must be at most 2'],
    ['playFile not http', '- playFile: ftp://e.com/a.mp3', 'bad-url', 'must start with https://'],
    ['playFile not mp3 or wav', '- playFile: https://e.com/a.ogg', 'bad-url', 'must be an .mp3 or .wav file'],
    ['playFile not a URL', '- playFile: welcome.mp3', 'bad-url', 'is not a web address'],
    ['makeCall to an invalid number', '- makeCall: "+65 1234"', 'bad-phone-number', '"+65 1234" is too short for a +65 number: check for missing digits'],
    ['makeCall to a number without country code', '- makeCall: "87654321"', 'bad-phone-number', 'international format'],
    ['makeCall from an invalid caller ID', '- makeCall: { destination: "+6587654321", source: "12" }', 'bad-phone-number', '"12"'],
    ['three makeCalls', '- makeCall: "+6587654321"\n      - makeCall: "+6587654321"\n      - makeCall: "+6587654321"', 'too-many-make-calls', 'at most 2 makeCall'],
    ['hangup before another action', '- hangup\n      - say: "bye"', 'hangup-not-last', 'must be the last action'],
    ['hangup with settings', '- hangup: { now: true }', 'bad-value', '`hangup` takes no settings'],
    ['two actions in one item', '- say: "x"\n        hangup:', 'bad-value', 'one action per list item'],
    ['no actions', '[]', 'too-short', '`then` needs at least one action'],
    ['a number YAML reads as hex', '- makeCall: 0x1F', 'wrong-type', 'put it in quotes'],
    ['a misspelt action', '- makecall: "+6587654321"', 'unknown-field', 'unknown action `makecall`; did you mean `makeCall`?'],
    ['a misspelt shorthand action', '- hangpu', 'unknown-field', 'unknown action `hangpu`; did you mean `hangup`?'],
    ['a misspelt param', '- say: { text: "x", voice: en-GB-Emma }', 'unknown-field', 'unknown field `voice`'],
    ['unknown placeholder', '- say: "Hi {{caller}}"', 'unknown-placeholder', 'unknown placeholder {{caller}}'],
    ['misspelt placeholder', '- say: "Hi {{sorce}}"', 'unknown-placeholder', 'did you mean `source`?'],
    ['unclosed placeholder', '- say: "Hi {{source"', 'unknown-placeholder', 'not closed'],
  ])('%s', (_what, action, code, message) => {
    const then = action.startsWith('[') ? ` ${action}` : `\n      ${action}`;
    const result = build({ 'r.yaml': `rules:\n  - id: r\n    then:${then}\n` }, settings);
    expect(result.ruleSet).toBeUndefined();
    const first = result.diagnostics[0]!;
    expect(first).toMatchObject({ code, severity: 'error', file: 'r.yaml' });
    expect(first.message).toContain(message);
    expect(first.line).toBeGreaterThanOrEqual(3);
  });
});

describe('templates', () => {
  it.each([
    ['{{source}}', { source: '+6591234567' }, '+6591234567'],
    ['Ref {{ destinationRefId }}.', { destinationRefId: 'vn-ref-1' }, 'Ref vn-ref-1.'],
    ['{{sourceCountryCode}}/{{destinationCountryCode}}', { sourceCountryCode: 'SG', destinationCountryCode: 'MY' }, 'SG/MY'],
    ['You pressed {{dtmf}}', { eventData: { dtmf: '7' } }, 'You pressed 7'],
    ['Session {{sessionId}} call {{callId}}', { sessionId: 's1', callId: 'c1' }, 'Session s1 call c1'],
    ['Missing [{{clientActionId}}]', {}, 'Missing []'],
  ])('"%s" renders from the call', (text, fields, expected) => {
    const ruleSet = buildOk({ 'r.yaml': `rules:\n  - id: r\n    then:\n      - say: "${text}"\n` });
    expect(call(ruleSet, fields).response.callflow[0]).toMatchObject({ params: { text: expected } });
  });
});

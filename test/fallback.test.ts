import { describe, expect, it } from 'vitest';
import { build, buildOk, call, expectValidCallflow, VOICE } from './helpers/rules.js';

const onlyVip = { 'r.yaml': 'rules:\n  - id: vip\n    when: { source: "+6591234567" }\n    then: [hangup]\n' };

describe('when no rule answers', () => {
  it('answers an apology then hangup by default, with the folder voice', () => {
    const decision = call(buildOk(onlyVip), { source: '+6598765432' });
    expect(decision).toMatchObject({ outcome: 'fallback', reason: 'no-match' });
    expect(decision.response).toEqual({
      clientActionId: 'fallback',
      callflow: [{ action: 'say', params: { text: 'Sorry, we cannot connect your call right now. Please try again later.', voiceProfile: VOICE } }, { action: 'hangup' }],
    });
  });

  it('only hangs up when no voice is configured anywhere (8x8 has no default voice)', () => {
    const result = build(onlyVip);
    expect(call(result.ruleSet!, { source: '+6598765432' }).response.callflow).toEqual([{ action: 'hangup' }]);
  });

  it('answers the fallback configured in settings.yaml', () => {
    const ruleSet = buildOk(onlyVip, `voiceProfile: ${VOICE}\nfallback:\n  - playFile: https://example.com/closed.mp3\n  - hangup\n`);
    const decision = call(ruleSet, { source: '+6598765432' });
    expectValidCallflow(decision.response);
    expect(decision.response.callflow).toEqual([{ action: 'playFile', params: { fileUrl: 'https://example.com/closed.mp3' } }, { action: 'hangup' }]);
  });

  it('checks the configured fallback like any rule', () => {
    const result = build(onlyVip, 'fallback:\n  - say: "Sorry"\n  - hangup\n');
    expect(result.ruleSet).toBeUndefined();
    expect(result.diagnostics).toMatchObject([{ code: 'missing-voice-profile', file: 'settings.yaml', line: 1, message: expect.stringContaining('1 say (in settings.yaml)') }]);
  });

  it('falls back when a matched rule cannot be answered for this call, and says why', () => {
    const ruleSet = buildOk({ 'r.yaml': 'rules:\n  - id: echo\n    then:\n      - say: "{{clientActionId}}"\n' });
    const decision = call(ruleSet, {});
    expect(decision).toMatchObject({ outcome: 'fallback', reason: 'render-error', ruleId: 'echo' });
    expect(decision.outcome === 'fallback' && decision.detail).toContain('say text is empty');
    expectValidCallflow(decision.response);
  });

  it('falls back when the called number cannot be the caller ID of a makeCall', () => {
    const ruleSet = buildOk({ 'r.yaml': 'rules:\n  - id: bridge\n    then:\n      - makeCall: "+6587654321"\n' });
    const decision = call(ruleSet, { destination: 'anonymous' });
    expect(decision).toMatchObject({ outcome: 'fallback', reason: 'render-error' });
    expectValidCallflow(decision.response);
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createApp } from '../src/http/app.js';
import { LiveRules } from '../src/reload/live-rules.js';
import type { CallflowResponse } from '../src/types/generated/callflow.js';
import { callflowLimitProblems } from './helpers/callflow-limits.js';
import { MENUS } from './helpers/menus.js';
import { build, buildOk, expectValidCallflow, VOICE } from './helpers/rules.js';

// 8x8's documented ACTION_COMPLETED event: every step of a conversation is this, with our last
// clientActionId and the caller's keys.
const dtmfEvent = JSON.parse(readFileSync(new URL('./fixtures/8x8/call-action-dtmf.json', import.meta.url), 'utf8')) as { payload: Record<string, unknown> };

const SETTINGS = `voiceProfile: ${VOICE}\nfallback:\n  - say: "Sorry, we cannot connect your call right now."\n  - hangup\n`;

/** A caller on the real HTTP app: the first event is a new call, each press an ACTION_COMPLETED. */
function conversation(rules: LiveRules) {
  const app = createApp({ rules });
  let last: CallflowResponse | undefined;
  let n = 0;
  const post = async (patch: Record<string, unknown>) => {
    const payload: Record<string, unknown> = { ...dtmfEvent.payload, eventId: `e-${++n}`, ...patch };
    for (const [k, v] of Object.entries(patch)) if (v === undefined) delete payload[k];
    const res = await app.request('/webhooks/call-action', { method: 'POST', body: JSON.stringify({ ...dtmfEvent, payload }), headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(200);
    last = (await res.json()) as CallflowResponse;
    expectValidCallflow(last);
    expect(callflowLimitProblems(last.callflow)).toEqual([]);
    return last;
  };
  return {
    start: () => post({ callStatus: 'CALL_RECEIVED', clientActionId: undefined, eventData: undefined }),
    /** `null`: the caller pressed nothing (8x8 sends dtmf null). */
    press: (dtmf: string | null, extra: Record<string, unknown> = {}) => post({ callStatus: 'ACTION_COMPLETED', clientActionId: last?.clientActionId, eventData: { dtmf }, ...extra }),
  };
}

/** What the caller hears and where the call goes, one line per action. */
function heard(response: CallflowResponse): string[] {
  return response.callflow.map((a) => {
    switch (a.action) {
      case 'say':
        return `say ${a.params.text}`;
      case 'sayAndCapture':
        return `ask ${a.params.promptMessage}`;
      case 'makeCall':
        return `call ${a.params.destination}`;
      default:
        return a.action;
    }
  });
}

const MAIN = 'ask Press 1 for sales, 2 for support, 9 to hear this again.';
const SALES = 'ask Sales. Press 1 for Singapore, 2 for Malaysia, 0 to go back.';
const FALLBACK = ['say Sorry, we cannot connect your call right now.', 'hangup'];

describe('a two-level menu, answered step by step through the HTTP app', () => {
  it('opens with the rule that names the menu, its state in clientActionId', async () => {
    const caller = conversation(new LiveRules(buildOk({ 'shop.yaml': MENUS }, SETTINGS)));
    const first = await caller.start();
    expect(first.clientActionId).toBe('m-main-00');
    expect(heard(first)).toEqual(['say Welcome to Acme.', MAIN]);
    expect(first.callflow[1]).toEqual({
      action: 'sayAndCapture',
      params: { promptMessage: MAIN.slice(4), voiceProfile: VOICE, completeOnHash: true, minDigits: 1, maxDigits: 1, overallTimeout: 5000, noOfTries: 1 },
    });
  });

  it.each([
    ['an option that opens another menu', ['1'], 'm-sales-00', [SALES]],
    ['an option that connects the call', ['2'], 'main-press-2', ['say Connecting you to support.', 'call +6561234567']],
    ['a key ended with #', ['2#'], 'main-press-2', ['say Connecting you to support.', 'call +6561234567']],
    ['an option of the second menu', ['1', '2'], 'sales-press-2', ['call +60123456789']],
    ['a wrong key: the invalid words, then the menu again', ['5'], 'm-main-10', ['say That is not a choice.', MAIN]],
    ['a wrong key, then a right one', ['5', '2'], 'main-press-2', ['say Connecting you to support.', 'call +6561234567']],
    ['no key: the no-input words, then the menu again', [null], 'm-main-01', ['say I did not hear anything.', MAIN]],
    ['an empty key is no key', [''], 'm-main-01', ['say I did not hear anything.', MAIN]],
    ['wrong keys and silence are counted apart', ['5', null], 'm-main-11', ['say I did not hear anything.', MAIN]],
    ['wrong keys until the tries run out: exhausted', ['5', null, '7'], 'main-invalid-exhausted', ['say Goodbye.', 'hangup']],
    ['silence until the tries run out: exhausted', [null, null], 'main-no-input-exhausted', ['say Goodbye.', 'hangup']],
    ['repeat: the menu again, with its tries afresh', ['5', '9'], 'm-main-00', [MAIN]],
    ['back: the menu that opened this one', ['1', '0'], 'm-main-00', [MAIN]],
    ['a wrong key in the second menu', ['1', '8'], 'm-sales-10', ['say Sorry, that is not one of the choices.', SALES]],
    ['a menu without exhausted ends in the fallback', ['1', null, null, null], 'sales-no-input-exhausted', FALLBACK],
  ])('%s', async (_what, presses, clientActionId, expected) => {
    const caller = conversation(new LiveRules(buildOk({ 'shop.yaml': MENUS }, SETTINGS)));
    await caller.start();
    let answer: CallflowResponse | undefined;
    for (const key of presses) answer = await caller.press(key);
    expect(answer!.clientActionId).toBe(clientActionId);
    expect(heard(answer!)).toEqual(expected);
  });

  it.each([
    ['eventData as a plain string', { eventData: '2' }],
    ['the older DTMF_RECEIVED shape', { callStatus: 'DTMF_RECEIVED', eventData: undefined, dtmf: '2' }],
  ])('reads the keys from %s', async (_what, shape) => {
    const caller = conversation(new LiveRules(buildOk({ 'shop.yaml': MENUS }, SETTINGS)));
    await caller.start();
    const answer = await caller.press('ignored', shape);
    expect(answer.clientActionId).toBe('main-press-2');
  });
});

describe('rules that change in the middle of a call', () => {
  const change = (rules: LiveRules, files: Record<string, string>) => expect(rules.apply(build(files, SETTINGS))).toBe(true);

  it('starts the menu again when its retries were lowered under the caller', async () => {
    const rules = new LiveRules(buildOk({ 'shop.yaml': MENUS }, SETTINGS));
    const caller = conversation(rules);
    await caller.start();
    expect((await caller.press('5')).clientActionId).toBe('m-main-10');
    change(rules, { 'shop.yaml': MENUS.replace('invalid: { retries: 1,', 'invalid: { retries: 0,') });
    const answer = await caller.press(null);
    expect(answer.clientActionId).toBe('m-main-00');
    expect(heard(answer)).toEqual([MAIN]);
  });

  it('answers with the fallback when the menu is gone', async () => {
    const rules = new LiveRules(buildOk({ 'shop.yaml': MENUS }, SETTINGS));
    const caller = conversation(rules);
    await caller.start();
    change(rules, { 'shop.yaml': MENUS.replace('      - menu: main', '      - menu: start').replace('  main:\n', '  start:\n') });
    const answer = await caller.press('2');
    expect(answer.clientActionId).toBe('stale-menu');
    expect(heard(answer)).toEqual(FALLBACK);
  });

  it('answers a menu step after every menu was removed with the rules (never an error)', async () => {
    const rules = new LiveRules(buildOk({ 'shop.yaml': MENUS }, SETTINGS));
    const caller = conversation(rules);
    await caller.start();
    change(rules, { 'shop.yaml': 'rules:\n  - id: closed\n    then:\n      - say: "We are closed."\n      - hangup\n' });
    const answer = await caller.press('1');
    expect(answer.clientActionId).toBe('closed');
  });

  it('answers a step of a menu it never had with the fallback', async () => {
    const caller = conversation(new LiveRules(buildOk({ 'shop.yaml': MENUS }, SETTINGS)));
    await caller.start();
    const answer = await caller.press('1', { clientActionId: 'm-nosuch-42' });
    expect(answer.clientActionId).toBe('stale-menu');
    expect(heard(answer)).toEqual(FALLBACK);
  });
});

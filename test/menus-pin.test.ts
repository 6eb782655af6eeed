import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { simulateCommand } from '../src/cli/simulate-command.js';
import { UsageError } from '../src/cli/usage-error.js';
import { createApp } from '../src/http/app.js';
import { LiveRules } from '../src/reload/live-rules.js';
import { Sessions } from '../src/sessions/sessions-service.js';
import type { CallflowResponse } from '../src/types/generated/callflow.js';
import { capture } from './helpers/capture.js';
import { callflowLimitProblems } from './helpers/callflow-limits.js';
import { callsToReplay, compareRuleSets } from '../src/rule-tests/compare-rule-sets.js';
import { buildRuleSet } from '../src/rules/build-rule-set.js';
import { expectValidCallflow, VOICE } from './helpers/rules.js';
import { DRIVER, RIDER, RIDER2, TOKEN, VN1, VN2 } from './helpers/sessions.js';

// 8x8's documented ACTION_COMPLETED event: each PIN the caller types comes back as this.
const dtmfEvent = JSON.parse(readFileSync(new URL('./fixtures/8x8/call-action-dtmf.json', import.meta.url), 'utf8')) as { payload: Record<string, unknown> };

const SETTINGS = `voiceProfile: ${VOICE}\nfallback:\n  - say: "Sorry, we cannot connect your call right now."\n  - hangup\n`;
const POOLS = `pools:\n  - name: shared\n    numbers: ["${VN1}", "${VN2}"]\n`;

/** The rules folder: settings, one rules file and the pool of shared numbers. */
function folder(rulesYaml: string) {
  return buildRuleSet({ ruleFiles: [{ file: 'pin.yaml', text: rulesYaml }], settings: { file: 'settings.yaml', text: SETTINGS }, pools: { file: 'pools.yaml', text: POOLS } });
}

function folderOk(rulesYaml: string) {
  const built = folder(rulesYaml);
  expect(built.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return built.ruleSet!;
}
/** Someone who is no party of any session: the courier's office phone. */
const STRANGER = '+6561234567';

const PIN_RULES = `
rules:
  - id: shared-line
    when:
      destination: ["${VN1}", "${VN2}"]
    then:
      - makeCall: other-party
    else:
      - say: "Welcome to Acme deliveries."
      - menu: booking-code
menus:
  booking-code:
    ask: pin
    prompt: "Please type your booking code, then press hash."
    digits: 6
    found:
      - say: "Connecting you now."
      - makeCall: other-party
    invalid: { retries: 1, say: "Sorry, that code is not right." }
    noInput: { retries: 1, say: "Sorry, I did not hear a code." }
    exhausted:
      - say: "Please check the code in your app. Goodbye."
      - hangup
`;

const ASK = 'ask Please type your booking code, then press hash.';
const WRONG = ['say Sorry, that code is not right.', ASK];
const SILENT = ['say Sorry, I did not hear a code.', ASK];
const BYE = ['say Please check the code in your app. Goodbye.', 'hangup'];

interface Harness {
  rules: LiveRules;
  sessions: Sessions;
  app: ReturnType<typeof createApp>;
  /** A session made through the API; its id. */
  open(body: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
}

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** The real HTTP app with real sessions in a temp SQLite file, on these rules. */
function pinLine(rulesYaml = PIN_RULES): Harness {
  const dir = mkdtempSync(join(tmpdir(), 'menus-pin-'));
  try {
    const rules = new LiveRules(folderOk(rulesYaml));
    const sessions = new Sessions({ path: join(dir, 'sessions.sqlite'), pools: () => rules.current().pools });
    const app = createApp({ rules, sessions, apiToken: TOKEN });
    harness = {
      rules,
      sessions,
      app,
      open: async (body) => {
        const res = await app.request('/sessions', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: JSON.stringify(body) });
        const made = (await res.json()) as { id: string };
        expect(res.status, JSON.stringify(made)).toBe(201);
        return made.id;
      },
      close: async () => {
        await sessions.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
    return harness;
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

/** A caller on the app: the first event is a new call, each PIN an ACTION_COMPLETED carrying our last clientActionId. */
let events = 0;
let calls = 0;

function caller(app: Harness['app'], source: string, destination: string) {
  let last: CallflowResponse | undefined;
  // 8x8 gives every event its own id and every call its own ids (a repeated event id is a retry).
  const call = { callId: `call-${++calls}`, sessionId: `session-${calls}` };
  const post = async (patch: Record<string, unknown>) => {
    const payload: Record<string, unknown> = { ...dtmfEvent.payload, ...call, eventId: `e-${++events}`, source, destination, destinationRefId: null, ...patch };
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
    /** `null`: the caller typed nothing (8x8 sends dtmf null). */
    press: (dtmf: string | null) => post({ callStatus: 'ACTION_COMPLETED', clientActionId: last?.clientActionId, eventData: { dtmf } }),
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
        return `call ${a.params.destination}${a.params.callRecording ? ' recorded' : ''}`;
      default:
        return a.action;
    }
  });
}

async function typed(h: Harness, keys: readonly (string | null)[], from = STRANGER, to = VN1): Promise<CallflowResponse> {
  const c = caller(h.app, from, to);
  let answer = await c.start();
  for (const k of keys) answer = await c.press(k);
  return answer;
}

describe('a PIN call on a shared virtual number, through the HTTP app', () => {
  it('asks a caller who is no party for the PIN, with 8x8 collecting up to the digits given', async () => {
    const h = pinLine();
    await h.open({ parties: [RIDER, DRIVER], virtualNumber: VN1, pin: '4711' });
    const first = await typed(h, []);
    expect(first.clientActionId).toBe('m-booking-code-00');
    expect(heard(first)).toEqual(['say Welcome to Acme deliveries.', ASK]);
    expect(first.callflow[1]).toEqual({
      action: 'sayAndCapture',
      params: { promptMessage: ASK.slice(4), voiceProfile: VOICE, completeOnHash: true, minDigits: 1, maxDigits: 6, overallTimeout: 10000, noOfTries: 1 },
    });
  });

  it('connects a party of the session straight away, without a PIN', async () => {
    const h = pinLine();
    await h.open({ parties: [RIDER, DRIVER], virtualNumber: VN1, pin: '4711' });
    expect(heard(await typed(h, [], DRIVER))).toEqual([`call ${RIDER}`]);
  });

  it.each([
    ['the right PIN: the first party', ['4711'], 'booking-code-found', ['say Connecting you now.', `call ${RIDER}`]],
    ['the right PIN ended with #', ['4711#'], 'booking-code-found', ['say Connecting you now.', `call ${RIDER}`]],
    ['a wrong PIN: the wrong-PIN words, then the question again', ['1234'], 'm-booking-code-10', WRONG],
    ['a wrong PIN, then the right one', ['1234', '4711'], 'booking-code-found', ['say Connecting you now.', `call ${RIDER}`]],
    ['wrong PINs until the tries run out: exhausted', ['1234', '9999'], 'booking-code-invalid-exhausted', BYE],
    ['no input: the no-input words, then the question again', [null], 'm-booking-code-01', SILENT],
    ['no input until the tries run out: exhausted', [null, null], 'booking-code-no-input-exhausted', BYE],
    ['silence and a wrong PIN are counted apart', [null, '1234', '4711'], 'booking-code-found', ['say Connecting you now.', `call ${RIDER}`]],
    ['a PIN with a key too many', ['47110'], 'm-booking-code-10', WRONG],
    ['a PIN of a session on the other shared number', ['5555'], 'm-booking-code-10', WRONG],
    ['a star key', ['*'], 'm-booking-code-10', WRONG],
  ])('%s', async (_what, keys, clientActionId, expected) => {
    const h = pinLine();
    await h.open({ parties: [RIDER, DRIVER], virtualNumber: VN1, pin: '4711' });
    await h.open({ parties: [RIDER2, DRIVER], virtualNumber: VN2, pin: '5555' });
    const answer = await typed(h, keys);
    expect(answer.clientActionId).toBe(clientActionId);
    expect(heard(answer)).toEqual(expected);
  });

  it('reaches the second party with `connect: second-party`, recorded when the session says so', async () => {
    const h = pinLine(PIN_RULES.replace('    digits: 6\n', '    digits: 6\n    connect: second-party\n'));
    await h.open({ parties: [RIDER, DRIVER], virtualNumber: VN1, pin: '4711', record: true });
    expect(heard(await typed(h, ['4711']))).toEqual(['say Connecting you now.', `call ${DRIVER} recorded`]);
  });

  it('calls the party with no words when the menu leaves out `found`', async () => {
    const h = pinLine(PIN_RULES.replace(/ {4}found:\n.*\n.*\n/, ''));
    await h.open({ parties: [RIDER, DRIVER], virtualNumber: VN1, pin: '4711' });
    const answer = await typed(h, ['4711']);
    expect(answer.clientActionId).toBe('booking-code-found');
    expect(heard(answer)).toEqual([`call ${RIDER}`]);
  });

  it('answers the PIN of a closed session exactly as a PIN that never existed', async () => {
    const h = pinLine();
    const id = await h.open({ parties: [RIDER, DRIVER], virtualNumber: VN1, pin: '4711' });
    const before = await typed(h, ['4711']);
    expect(before.clientActionId).toBe('booking-code-found');
    const del = await h.app.request(`/sessions/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(del.status).toBe(200);
    const closed = await typed(h, ['4711']);
    const never = await typed(h, ['8080']);
    expect(closed).toEqual(never);
    expect(heard(closed)).toEqual(WRONG);
  });

  it('answers the PIN of an expired session exactly as a PIN that never existed', async () => {
    const h = pinLine();
    await h.open({ parties: [RIDER, DRIVER], virtualNumber: VN1, pin: '4711', ttl: 1 });
    // The session ends a second after it was made; waiting longer only makes that surer.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const expired = await typed(h, ['4711']);
    expect(expired).toEqual(await typed(h, ['8080']));
    expect(heard(expired)).toEqual(WRONG);
  });

  it('hears only wrong-PIN words on a server with no sessions at all', async () => {
    const app = createApp({ rules: new LiveRules(folderOk(PIN_RULES)) });
    const answer = await typed({ app } as Harness, ['4711']);
    expect(heard(answer)).toEqual(WRONG);
  });
});

describe('PIN menus when the rules change in the middle of a call', () => {
  const change = (h: Harness, rulesYaml: string) => expect(h.rules.apply(folder(rulesYaml))).toBe(true);

  it('starts the question again when its retries were lowered under the caller', async () => {
    const h = pinLine();
    await h.open({ parties: [RIDER, DRIVER], virtualNumber: VN1, pin: '4711' });
    const c = caller(h.app, STRANGER, VN1);
    await c.start();
    expect((await c.press('1234')).clientActionId).toBe('m-booking-code-10');
    change(h, PIN_RULES.replace('invalid: { retries: 1,', 'invalid: { retries: 0,'));
    const answer = await c.press('4711');
    expect(answer.clientActionId).toBe('m-booking-code-00');
    expect(heard(answer)).toEqual([ASK]);
  });

  it('answers with the fallback when the PIN menu is gone', async () => {
    const h = pinLine();
    await h.open({ parties: [RIDER, DRIVER], virtualNumber: VN1, pin: '4711' });
    const c = caller(h.app, STRANGER, VN1);
    await c.start();
    change(h, PIN_RULES.replace('      - menu: booking-code', '      - menu: code').replace('  booking-code:\n', '  code:\n'));
    const answer = await c.press('4711');
    expect(answer.clientActionId).toBe('stale-menu');
    expect(heard(answer)).toEqual(['say Sorry, we cannot connect your call right now.', 'hangup']);
  });

  it('keeps asking for the PIN when a menu of keys took its place, without reaching anyone', async () => {
    const h = pinLine();
    await h.open({ parties: [RIDER, DRIVER], virtualNumber: VN1, pin: '4711' });
    const c = caller(h.app, STRANGER, VN1);
    await c.start();
    change(h, PIN_RULES.replace('    ask: pin\n', '').replace(/ {4}found:\n.*\n.*\n/, '    options:\n      "1": { makeCall: "+6561234567" }\n'));
    const answer = await c.press('4711');
    expect(answer.clientActionId).toBe('m-booking-code-10');
  });
});

describe('PIN menus that cannot load are explained at file:line:col', () => {
  const opener = `rules:\n  - id: line\n    when: { destination: "${VN1}" }\n    then: [{ makeCall: other-party }]\n    else: [{ menu: code }]\nmenus:\n`;
  it.each([
    ['a PIN menu with options too', '  code: { ask: pin, prompt: "Your code?", options: { "1": hangup } }\n', 'menu-pin-field', 'pin.yaml:7:43', 'asks for a PIN (`ask: pin`), so it has no `options`'],
    ['`found` in a menu of keys', '  code: { prompt: "Press 1.", options: { "1": hangup }, found: [hangup] }\n', 'menu-pin-field', 'pin.yaml:7:57', '`found` is for a menu that asks for a PIN: add `ask: pin`'],
    ['`connect` in a menu of keys', '  code: { prompt: "Press 1.", options: { "1": hangup }, connect: first-party }\n', 'menu-pin-field', 'pin.yaml:7:57', '`connect` is for a menu that asks for a PIN'],
    ['a menu with neither options nor `ask: pin`', '  code: { prompt: "Your code?", found: [hangup] }\n', 'missing-field', 'pin.yaml:7:9', 'or write `ask: pin` to ask for a PIN'],
    ['an unknown kind of question', '  code: { ask: pim, prompt: "Your code?" }\n', 'bad-value', 'pin.yaml:7:16', '`ask` must be one of: pin'],
    ['an unknown party to connect', '  code: { ask: pin, prompt: "Your code?", connect: driver }\n', 'bad-value', 'pin.yaml:7:52', '`connect` must be one of: first-party, second-party'],
    ['a PIN longer than 8x8 collects', '  code: { ask: pin, prompt: "Your code?", digits: 26 }\n', 'too-large', 'pin.yaml:7:51', '`digits` must be at most 25'],
  ])('%s', (_what, menus, code, where, words) => {
    const result = folder(opener + menus);
    expect(result.ruleSet).toBeUndefined();
    const d = result.diagnostics.find((x) => x.severity === 'error')!;
    expect({ code: d.code, where: `${d.file}:${d.line}:${d.col}` }).toEqual({ code, where });
    expect(d.message).toContain(words);
  });
});

describe('simulate --session with a pin, on the sample delivery line (rules/25-delivery-pin.yaml)', () => {
  const order = '--session=+6591115001,+6592225001,+6568332051,pin=4711';
  async function simulate(...args: string[]) {
    const out = capture();
    const err = capture();
    const code = await simulateCommand(['source=+6561234567', 'destination=+6568332051', '--rules', 'rules', ...args], out, err);
    const steps = out.text
      .split(/^--- /m)
      .filter(Boolean)
      .map((s) => ({ title: s.split('\n')[0], answer: JSON.parse(s.slice(s.indexOf('\n') + 1)) as CallflowResponse }));
    return { code, steps, err: err.text };
  }

  it('prints each step: the question, a wrong PIN, the right PIN that reaches the customer through the session', async () => {
    const { code, steps, err } = await simulate(order, '--press', '9999', '--press', '4711#');
    expect(code).toBe(0);
    expect(steps.map((s) => s.title)).toEqual(['step 1: the call arrives', 'step 2: the caller presses 9999', 'step 3: the caller presses 4711#']);
    expect(steps.map((s) => s.answer.clientActionId)).toEqual(['m-order-pin-00', 'm-order-pin-10', 'order-pin-found']);
    expect(heard(steps[2]!.answer)).toEqual(['say Connecting you now.', 'call +6591115001']);
    expect(err).toContain('matched rule order-pin-found (rules/25-delivery-pin.yaml:26:5) through session simulated-session-1');
  });

  it('explains a wrong PIN in words', async () => {
    const { err } = await simulate(order, '--press', '9999', '--explain');
    expect(err).toContain('skipped order-pin-found: dtmf is "9999", wanted the PIN of an open session on the called number');
  });

  it.each([
    ['a pin with letters', '--session=+6591115001,+6592225001,+6568332051,pin=47a1', 'the pin must be 1 to 12 digits'],
    ['two pins', '--session=+6591115001,+6592225001,+6568332051,pin=1,pin=2', 'optionally followed by ,record and ,pin=DIGITS'],
  ])('rejects %s as a usage error', async (_what, flag, words) => {
    await expect(simulate(flag)).rejects.toThrow(UsageError);
    await expect(simulate(flag)).rejects.toThrow(words);
  });
});

describe('validate --compare on a PIN menu', () => {
  it('sees a change to what a right PIN does: its sample call types the PIN of a session it opens', () => {
    const before = folderOk(PIN_RULES);
    const after = folderOk(PIN_RULES.replace('"Connecting you now."', '"Putting you through."'));
    const { changes } = compareRuleSets(before, after, callsToReplay([], before, after), new Date('2026-03-02T01:30:00Z'));
    expect(changes.map((c) => [c.before.rule, c.after.rule])).toEqual([['booking-code-found', 'booking-code-found']]);
    expect(heard({ callflow: changes[0]!.after.callflow } as CallflowResponse)).toEqual(['say Putting you through.', 'call +6591110001']);
  });
});

import { describe, expect, it } from 'vitest';
import { makeCallActionPayload } from '../src/events/make-event.js';
import { renderCallflow } from '../src/engine/render-callflow.js';
import { allStepLists } from '../src/engine/split.js';
import { loadRules } from '../src/rules/load-rules.js';
import { callflowLimitProblems } from './helpers/callflow-limits.js';
import { build, buildOk, expectValidCallflow, VOICE } from './helpers/rules.js';
import { MENUS } from './helpers/menus.js';

const SETTINGS = `voiceProfile: ${VOICE}\n`;
const opener = 'rules:\n  - id: line\n    then: [{ menu: main }]\n';

describe('menus that cannot load are explained at file:line:col', () => {
  it.each([
    [
      'a rule opens a menu that does not exist',
      { 'a.yaml': 'rules:\n  - id: line\n    then: [{ menu: mian }]\nmenus:\n  main: { prompt: "Hi", options: { "1": hangup } }\n' },
      'unknown-menu',
      'a.yaml:3:20',
      'did you mean',
    ],
    [
      'two files declare the same menu',
      { 'a.yaml': `${opener}menus:\n  main: { prompt: "Hi", options: { "1": hangup } }\n`, 'b.yaml': 'rules: []\nmenus:\n  main: { prompt: "Ho", options: { "1": hangup } }\n' },
      'duplicate-menu',
      'b.yaml:3:3',
      'already declared at a.yaml:5:3',
    ],
    ['`back` from a menu nothing else opens', { 'a.yaml': `${opener}menus:\n  main: { prompt: "Hi", options: { "0": back } }\n` }, 'menu-no-back', 'a.yaml:5:41', 'nowhere to go'],
    [
      '`back` from a menu two menus open',
      { 'a.yaml': `${opener}menus:\n  main: { prompt: "Hi", options: { "1": { menu: sub } } }\n  other: { prompt: "Ho", options: { "1": { menu: sub } } }\n  sub: { prompt: "Sub", options: { "0": back } }\n` },
      'menu-back-ambiguous',
      'a.yaml:7:41',
      '`main` and `other` both open `sub`',
    ],
    [
      '`menu` that is not the last action',
      { 'a.yaml': 'rules:\n  - id: line\n    then: [{ menu: main }, hangup]\nmenus:\n  main: { prompt: "Hi", options: { "1": hangup } }\n' },
      'capture-not-last',
      'a.yaml:3:12',
      'hands the call to the menu',
    ],
    ['a menu with no voice anywhere', { 'a.yaml': `${opener}menus:\n  main: { prompt: "Hi", options: { "1": hangup } }\n` }, 'missing-voice-profile', 'a.yaml:5:3', 'this menu has no voiceProfile'],
    ['a rule id shaped like a menu step', { 'a.yaml': 'rules:\n  - id: m-main-00\n    then: [hangup]\n' }, 'bad-id', 'a.yaml:2:9', 'shape of a menu step'],
    ['a rule id a menu already uses', { 'a.yaml': `${opener}  - id: main-press-1\n    then: [hangup]\nmenus:\n  main: { prompt: "Hi", options: { "1": hangup } }\n` }, 'duplicate-id', 'a.yaml:4:9', 'by menu `main`'],
    [
      'an option key with #',
      { 'a.yaml': `${opener}menus:\n  main: { prompt: "Hi", options: { "#": hangup } }\n` },
      'bad-value',
      'a.yaml:5:36',
      'option "#" must be keys a caller can press: digits and *, up to 25: # ends what the caller types',
    ],
    [
      'an option that is no action',
      { 'a.yaml': `${opener}menus:\n  main: { prompt: "Hi", options: { "1": repaet } }\n` },
      'bad-value',
      'a.yaml:5:41',
      'option "1" must be `repeat`, `back`, an action or a list of actions; did you mean `repeat`?',
    ],
    ['a menu without options', { 'a.yaml': `${opener}menus:\n  main: { prompt: "Hi" }\n` }, 'missing-field', 'a.yaml:5:9', '`options` is missing: list the keys'],
  ])('%s', (_what, files, code, where, words) => {
    const result = build(files, _what.includes('no voice') ? 'fallback: [hangup]\n' : SETTINGS);
    expect(result.ruleSet).toBeUndefined();
    const d = result.diagnostics.find((x) => x.severity === 'error')!;
    expect({ code: d.code, where: `${d.file}:${d.line}:${d.col}` }).toEqual({ code, where });
    expect(d.message).toContain(words);
  });

  it('lets the fallback open no menu', () => {
    const result = build({ 'a.yaml': `${opener}menus:\n  main: { prompt: "Hi", options: { "1": hangup } }\n` }, `${SETTINGS}fallback: [{ menu: main }]\n`);
    expect(result.diagnostics).toMatchObject([{ code: 'menu-not-allowed', file: 'settings.yaml', line: 2 }]);
  });
});

describe('every callflow a menu can produce is one 8x8 accepts', () => {
  const VARIANTS = {
    'shop.yaml': MENUS,
    'more.yaml': [
      'rules:',
      '  - id: pin-line',
      '    when: { destinationRefId: vn-ref-7 }',
      '    then:',
      '      - split:',
      '          - { weight: 1, then: [{ menu: long }] }',
      '          - { weight: 1, then: [{ say: "Hello {{source}}" }, { menu: long }] }',
      'menus:',
      '  long:',
      '    prompt: "Enter your 4-digit code for {{destination}}, then hash."',
      '    voiceProfile: en-GB-Emma',
      '    speed: 1.5',
      '    digits: 4',
      '    timeout: 2.5',
      '    options: { "1234": [{ makeCall: other-party }], "*": repeat, "0000": { menu: main } }',
      '    invalid: { retries: 9 }',
      '    noInput: { retries: 0, say: "Nothing?" }',
      '    exhausted: [{ menu: main }]',
      '',
    ].join('\n'),
  };

  it('for every rule, menu state and split branch of a folder with menus', async () => {
    const ruleSet = buildOk(VARIANTS, `voiceProfile: ${VOICE}\nfallback:\n  - say: "Sorry."\n  - hangup\n`);
    const sample = await loadRules('rules');
    const payload = makeCallActionPayload({ destination: '+6568332048' });
    let checked = 0;
    for (const set of [ruleSet, sample.ruleSet!]) {
      for (const rule of set.rules) {
        for (const steps of allStepLists(rule.actions)) {
          const callflow = renderCallflow(steps, payload, '+6581234567');
          expectValidCallflow({ clientActionId: rule.menu ? 'm-x-00' : rule.id, callflow });
          expect(callflowLimitProblems(callflow), `${rule.id}: ${JSON.stringify(callflow)}`).toEqual([]);
          checked++;
        }
      }
    }
    // Every option, retry and exhausted rule of four menus with 4 to 20 states each, plus the sample's.
    expect(checked).toBeGreaterThan(90);
    const long = ruleSet.rules.find((r) => r.id === 'long-press-star')!;
    expect(renderCallflow(long.actions, payload)[0]).toMatchObject({ params: { maxDigits: 4, overallTimeout: 2500, speed: 1.5, voiceProfile: 'en-GB-Emma' } });
  });

  it('keeps every clientActionId within what the callflow schema allows, even for a 40-letter menu name', () => {
    const name = 'a'.repeat(40);
    const ruleSet = buildOk({ 'a.yaml': `rules:\n  - id: line\n    then: [{ menu: ${name} }]\nmenus:\n  ${name}: { prompt: "Hi", options: { "1": hangup }, invalid: { retries: 9 }, noInput: { retries: 9 } }\n` });
    const ids = ruleSet.rules.flatMap((r) => allStepLists(r.actions).flatMap((s) => s.flatMap((x) => (x.action === 'sayAndCapture' && x.next ? [x.next] : []))));
    expect(ids).toContain(`m-${name}-99`);
    for (const id of [...ids, ...ruleSet.rules.map((r) => r.id)]) expect(id).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
  });
});

describe('menus cost a new call nothing', () => {
  it('files every rule of a menu under its clientActionId values, bar the one for menus that are gone', () => {
    const ruleSet = buildOk({ 'shop.yaml': MENUS }, SETTINGS);
    const scanned = ruleSet.index.unindexed.filter((r) => r.menu).map((r) => r.id);
    expect(scanned).toEqual(['stale-menu']);
    expect(ruleSet.rules.filter((r) => r.menu).length).toBeGreaterThan(20);
  });
});

import { error, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { Action, CaptureStep, Condition, Matcher, MenuRuleInfo, PinCondition, Rule, Step } from '../engine/rule-set.js';
import { allStepLists } from '../engine/split.js';
import { CAPTURE_DEFAULTS, compileActions, type MenuEntries } from './compile-actions.js';
import { compileTemplate } from './compile-template.js';
import { builtInRegex } from './linear-regex.js';
import type { ParsedFile, YamlPath } from '../source/parse-yaml.js';
import type { Menu } from '../types/generated/rules.js';
import { choiceActions, menuParents } from './menu-graph.js';
import { MENU_STATE, menuStateId } from './menu-state.js';

/** A menu as declared under `menus:` in one rules file. */
export interface DeclaredMenu {
  name: string;
  menu: Menu;
  parsed: ParsedFile;
  /** The file's `scope:` sub-accounts, and how they were written. */
  scope?: ReadonlySet<string>;
  scopeSource?: unknown;
  /** The file's `defaults:` voice, else settings.yaml's. */
  voiceProfile: string | undefined;
}

/** The defaults a menu author can leave out. */
const MENU_DEFAULTS = {
  digits: 1,
  timeoutSeconds: 10,
  retries: 2,
  invalidWords: 'Sorry, that is not one of the choices.',
  noInputWords: 'Sorry, I did not hear a choice.',
  /** `ask: pin`: the longest PIN a session may have (schema/session-create.schema.json), ended with #. */
  pinDigits: 12,
  wrongPinWords: 'Sorry, that PIN is not right.',
  noPinWords: 'Sorry, I did not hear a PIN.',
} as const;

/** The id of the rule that answers a step of a menu that no longer exists. */
const STALE_MENU_RULE = 'stale-menu';

// A key is "pressed" when it holds a digit or *; 8x8 sends null (or, defensively, "" or "#") for silence.
const PRESSED = /[0-9*]/;

/** A condition's `source`, for explanations: words rather than the generated values. */
const words = (text: string) => ({ words: text });

/** Each menu's opening step (its prompt as a sayAndCapture), compiled once: what `- menu: name` sends. */
export function menuEntries(menus: ReadonlyMap<string, DeclaredMenu>, diagnostics: Diagnostic[]): MenuEntries & { voices: Map<string, string> } {
  const entries = new Map<string, CaptureStep>();
  const voices = new Map<string, string>();
  for (const [name, d] of menus) {
    const at: YamlPath = ['menus', name];
    const report = (code: Diagnostic['code'], message: string, path: YamlPath, target?: 'key') => diagnostics.push(error(code, message, { file: d.parsed.file, ...d.parsed.locate(path, target) }));
    const template = compileTemplate(d.menu.prompt);
    if (!template.ok) report('unknown-placeholder', template.message, [...at, 'prompt']);
    const voiceProfile = d.menu.voiceProfile ?? d.voiceProfile;
    if (!voiceProfile) {
      report('missing-voice-profile', "this menu has no voiceProfile and 8x8 has no default: add `voiceProfile:` to it, to the file's `defaults:`, or to settings.yaml", at, 'key');
    }
    voices.set(name, voiceProfile ?? '');
    entries.set(name, {
      action: 'sayAndCapture',
      prompt: template.ok ? template.template : { parts: [d.menu.prompt] },
      params: {
        voiceProfile: voiceProfile ?? '',
        ...(d.menu.speed === undefined ? {} : { speed: d.menu.speed }),
        completeOnHash: true,
        minDigits: 1,
        maxDigits: d.menu.digits ?? (d.menu.ask === 'pin' ? MENU_DEFAULTS.pinDigits : MENU_DEFAULTS.digits),
        overallTimeout: Math.round((d.menu.timeout ?? MENU_DEFAULTS.timeoutSeconds) * 1000),
        // The router counts retries itself, with its own words for a wrong key and for silence.
        noOfTries: CAPTURE_DEFAULTS.noOfTries,
      },
      next: menuStateId(name, 0, 0),
    });
  }
  return { entry: (name) => entries.get(name), names: () => [...entries.keys()], voices };
}

/**
 * Every menu as ordinary rules on `clientActionId` and `dtmf`, in the order they must be tried:
 * for each menu its options, then silence and wrong keys at each count of tries, then a restart
 * for ids of this menu that no longer fit it; last, one rule that answers a step of a menu that
 * is gone with the fallback. `order` is left at 0 for the caller to number.
 */
export function compileMenuRules(menus: ReadonlyMap<string, DeclaredMenu>, entries: MenuEntries & { voices: Map<string, string> }, fallback: readonly Action[], diagnostics: Diagnostic[]): Rule[] {
  const rules: Rule[] = [];
  const parents = menuParents(new Map([...menus].map(([n, d]) => [n, d.menu])));
  for (const [name, d] of menus) rules.push(...compileMenu(name, d, entries, parents.get(name) ?? [], fallback, diagnostics));
  const first = [...menus.values()][0];
  if (first) {
    rules.push({
      id: STALE_MENU_RULE,
      order: 0,
      file: first.parsed.file,
      ...first.parsed.locate(['menus'], 'key'),
      conditions: [field('clientActionId', builtInRegex(MENU_STATE), words('a step of a menu that no longer exists'), menuStateId(unusedName(menus), 0, 0))],
      actions: fallback,
      needsPair: false,
      menu: { kind: 'stale' },
    });
  }
  return rules;
}

function field(name: 'clientActionId' | 'dtmf', matcher: Matcher, source: unknown, example?: string): Condition {
  return { kind: 'field', field: name, matcher, source, ...(example === undefined ? {} : { example }) };
}

function compileMenu(name: string, d: DeclaredMenu, entries: MenuEntries & { voices: Map<string, string> }, parents: readonly string[], fallback: readonly Action[], diagnostics: Diagnostic[]): Rule[] {
  const { menu, parsed } = d;
  const at: YamlPath = ['menus', name];
  const invalidTries = menu.invalid?.retries ?? MENU_DEFAULTS.retries;
  const silenceTries = menu.noInput?.retries ?? MENU_DEFAULTS.retries;
  const voiceProfile = entries.voices.get(name) ?? '';
  const say = (text: string): Step => ({ action: 'say', text: { parts: [text] }, params: { voiceProfile, ...(menu.speed === undefined ? {} : { speed: menu.speed }) } });
  const entry = entries.entry(name)!;
  /** The menu offered again at a count of tries, after some words. */
  const offer = (invalid: number, noInput: number, before?: string): Action[] => [...(before ? [say(before)] : []), { ...entry, next: menuStateId(name, invalid, noInput) }];
  const scoped: Condition[] = d.scope ? [{ kind: 'field', field: 'subAccountId', matcher: { kind: 'exact', values: d.scope }, source: d.scopeSource }] : [];
  const states: string[] = [];
  for (let i = 0; i <= invalidTries; i++) for (let n = 0; n <= silenceTries; n++) states.push(menuStateId(name, i, n));
  const inMenu = field('clientActionId', { kind: 'exact', values: new Set(states) }, words(`a step of menu ${name}`));
  const rules: Rule[] = [];
  const add = (id: string, kind: MenuRuleInfo['kind'], where: YamlPath, conditions: Condition[], actions: readonly Action[], extra: Pick<Rule, 'pinParty'> = {}) => {
    const needsPair = allStepLists(actions).some((steps) => steps.some((s) => s.action === 'callOtherParty'));
    rules.push({ id, order: 0, file: parsed.file, ...parsed.locate(where, 'key'), conditions: [...scoped, ...conditions], actions, needsPair, ...extra, ...(d.scope ? { scope: d.scope } : {}), menu: { name, kind } });
  };
  const actionsAt = (sources: Parameters<typeof compileActions>[0], path: YamlPath, id: string) =>
    compileActions(sources, path, { parsed, voiceProfile: d.voiceProfile, diagnostics, otherParty: 'allowed', salt: id, menus: entries });

  const pin = menu.ask === 'pin';
  checkPinFields(name, d, diagnostics);
  if (pin) {
    // The right PIN: the caller's keys name an open session on the number they called.
    const found: PinCondition = { kind: 'pin', field: 'dtmf', source: words('the PIN of an open session on the called number') };
    const actions: readonly Action[] = menu.found ? actionsAt(menu.found, [...at, 'found'], `${name}-found`) : [{ action: 'callOtherParty' }];
    add(`${name}-found`, 'pin', menu.found ? [...at, 'found'] : [...at, 'ask'], [inMenu, found], actions, { pinParty: menu.connect === 'second-party' ? 1 : 0 });
  }
  for (const [key, choice] of Object.entries(menu.options ?? {})) {
    if (choice === undefined) continue;
    const id = `${name}-press-${key.replace(/\*/g, 'star')}`;
    const where: YamlPath = [...at, 'options', key];
    let actions: readonly Action[];
    if (choice === 'repeat') actions = offer(0, 0);
    else if (choice === 'back') actions = backTo(name, parents, where, d, entries, diagnostics);
    else actions = actionsAt(choiceActions(choice)!, where, id);
    // 8x8 may or may not pass on the # that ended the input: both mean the same key.
    add(id, 'option', where, [inMenu, field('dtmf', { kind: 'exact', values: new Set([key, `${key}#`]) }, key)], actions);
  }

  const exhausted = menu.exhausted ? actionsAt(menu.exhausted, [...at, 'exhausted'], `${name}-exhausted`) : fallback;
  const silence = field('dtmf', { kind: 'not', inner: builtInRegex(PRESSED) }, words('no keys'));
  const keys = new Set(Object.keys(menu.options ?? {}));
  // For a PIN menu every PIN that reaches this rule is wrong (the right ones were answered above),
  // whether or not a session ever had it: the caller hears the same words either way.
  const wrong = pin
    ? field('dtmf', builtInRegex(PRESSED), words('a PIN of no open session on the called number'), '0')
    : field(
        'dtmf',
        builtInRegex(PRESSED),
        words('keys that are no option'),
        [...'0123456789*', '00'].find((k) => !keys.has(k)),
      );
  const retryRules = (kind: 'no-input' | 'invalid', tries: number, dtmf: Condition, wordsSaid: string, where: YamlPath) => {
    const spent: string[] = [];
    for (let i = 0; i <= invalidTries; i++) {
      for (let n = 0; n <= silenceTries; n++) {
        const count = kind === 'invalid' ? i : n;
        if (count >= tries) {
          spent.push(menuStateId(name, i, n));
          continue;
        }
        const state = menuStateId(name, i, n);
        const next = kind === 'invalid' ? offer(i + 1, n, wordsSaid) : offer(i, n + 1, wordsSaid);
        add(`${name}-${kind}-${i}${n}`, kind, where, [field('clientActionId', { kind: 'exact', values: new Set([state]) }, state), dtmf], next);
      }
    }
    add(
      `${name}-${kind}-exhausted`,
      'exhausted',
      menu.exhausted ? [...at, 'exhausted'] : where,
      [field('clientActionId', { kind: 'exact', values: new Set(spent) }, words(`menu ${name} with no ${kind === 'invalid' ? 'tries for a wrong key' : 'tries for silence'} left`)), dtmf],
      exhausted,
    );
  };
  retryRules('no-input', silenceTries, silence, menu.noInput?.say ?? (pin ? MENU_DEFAULTS.noPinWords : MENU_DEFAULTS.noInputWords), menu.noInput ? [...at, 'noInput'] : at);
  retryRules('invalid', invalidTries, wrong, menu.invalid?.say ?? (pin ? MENU_DEFAULTS.wrongPinWords : MENU_DEFAULTS.invalidWords), menu.invalid ? [...at, 'invalid'] : at);
  // An id of this menu that fits none of the above (its retries were lowered mid-call): start again.
  // Listed, not a pattern, so the rule is found through the index and no other call scans it.
  const known = new Set(states);
  const outdated: string[] = [];
  for (let i = 0; i <= 9; i++) for (let n = 0; n <= 9; n++) if (!known.has(menuStateId(name, i, n))) outdated.push(menuStateId(name, i, n));
  if (outdated.length > 0) {
    add(`${name}-restart`, 'restart', at, [field('clientActionId', { kind: 'exact', values: new Set(outdated) }, words(`a step of an earlier version of menu ${name}`))], offer(0, 0));
  }
  return rules;
}

/** `options` belong to a menu of keys, `found` and `connect` to a PIN menu (`ask: pin`). */
function checkPinFields(name: string, d: DeclaredMenu, diagnostics: Diagnostic[]): void {
  const report = (key: string, message: string) => diagnostics.push(error('menu-pin-field', message, { file: d.parsed.file, ...d.parsed.locate(['menus', name, key], 'key') }));
  if (d.menu.ask === 'pin') {
    if (d.menu.options !== undefined) report('options', `menu \`${name}\` asks for a PIN (\`ask: pin\`), so it has no \`options\`: say what a right PIN does under \`found:\`, or remove \`ask: pin\` to offer keys`);
    return;
  }
  for (const key of ['found', 'connect'] as const) {
    if (d.menu[key] !== undefined) report(key, `\`${key}\` is for a menu that asks for a PIN: add \`ask: pin\` to menu \`${name}\`, or remove \`${key}\``);
  }
}

function unusedName(menus: ReadonlyMap<string, unknown>): string {
  let name = 'gone';
  while (menus.has(name)) name += 'x';
  return name;
}

/** `back` goes to the one menu that opens this one; the router keeps no history, so it must be unique. */
function backTo(name: string, parents: readonly string[], where: YamlPath, d: DeclaredMenu, entries: MenuEntries, diagnostics: Diagnostic[]): Action[] {
  const report = (code: Diagnostic['code'], message: string) => diagnostics.push(error(code, message, { file: d.parsed.file, ...d.parsed.locate(where) }));
  if (parents.length === 1) return [{ ...entries.entry(parents[0]!)! }];
  if (parents.length === 0) report('menu-no-back', `\`back\` has nowhere to go: no other menu opens \`${name}\`. Use \`repeat\`, or name the menu: \`- menu: main\``);
  else report('menu-back-ambiguous', `\`back\` is unclear: ${parents.map((p) => `\`${p}\``).join(' and ')} both open \`${name}\`, and calls keep no history. Name the menu instead: \`- menu: ${parents[0]}\``);
  return [{ action: 'hangup' }];
}

import type { Diagnostic, DiagnosticCode } from '../diagnostics/diagnostic.js';
import { error, warning } from '../diagnostics/diagnostic.js';
import type { Action, CaptureStep, Step } from '../engine/rule-set.js';
import { allStepLists } from '../engine/split.js';
import { didYouMean } from '../text/suggest.js';
import type { Action as ActionSource, ActionMap, SayAndCaptureOptions } from '../types/generated/rules.js';
import type { SayAndCaptureParams } from '../types/generated/callflow.js';
import { compileTemplate } from './compile-template.js';
import type { ParsedFile, YamlPath } from '../source/parse-yaml.js';
import { checkPhoneNumber, type PhonePolicy } from './phone-number.js';

/** 8x8 bridges at most two legs: a third makeCall is rejected (reference §3.3). */
const MAX_MAKE_CALLS = 2;

export interface ActionContext {
  parsed: ParsedFile;
  /** The voice for a say that names none: the file's defaults, else settings.yaml. */
  voiceProfile: string | undefined;
  diagnostics: Diagnostic[];
  /** Where these actions are, such as `then` or `else`, for messages about `makeCall: other-party`. */
  otherParty?: 'allowed' | 'else' | 'fallback';
  /** Names the rule, so that each split hashes sessions on its own (see SplitAction.salt). */
  salt?: string;
  /**
   * Says with no voice anywhere are collected here, when given, so that the one missing line
   * (settings.yaml's voiceProfile) is reported once instead of once per say.
   */
  unvoiced?: { file: string }[];
  /** settings.yaml's defaultCountry, for showing local numbers in full. */
  phonePolicy?: PhonePolicy;
  /** The folder's menus, for `- menu: name`; absent where no menu may be opened (the fallback, rule tests). */
  menus?: MenuEntries;
}

/** How `- menu: name` finds the step that opens a menu (compile-menus.ts builds it). */
export interface MenuEntries {
  entry(name: string): CaptureStep | undefined;
  names(): readonly string[];
}

/**
 * What the router sends for a sayAndCapture parameter the author left out. 8x8's two documents
 * disagree on maxDigits (25 or 1), overallTimeout (30000 or 5000 ms) and noOfTries (3 or 1), so
 * these go out explicitly and the call behaves the same whichever document is right.
 */
export const CAPTURE_DEFAULTS = { completeOnHash: true, minDigits: 1, maxDigits: 25, overallTimeout: 10_000, noOfTries: 1 } as const satisfies Partial<SayAndCaptureParams>;

/** 8x8 accepts at most 25 keys when # does not end the input (-1008). */
const MAX_DIGITS_WITHOUT_HASH = 25;

/** `makeCall: other-party` — the other party of the caller's masking pair. */
const OTHER_PARTY = 'other-party';

type Report = (code: DiagnosticCode, message: string, at: YamlPath, target?: 'key' | 'value', severity?: 'warning') => void;

/**
 * Shorthand and full forms become 8x8's params, checked against every limit 8x8 states. With
 * splits, every branch is checked as the callflow it would send.
 */
export function compileActions(sources: readonly ActionSource[], path: YamlPath, ctx: ActionContext): Action[] {
  const report: Report = (code, message, at, target, severity) => ctx.diagnostics.push((severity === 'warning' ? warning : error)(code, message, { file: ctx.parsed.file, ...ctx.parsed.locate(at, target) }));
  const positions = new Map<Step, YamlPath>();
  const actions = compileList(sources, path, ctx, report, positions, path[path.length - 1] === 'else' ? 'else' : 'then');
  checkLimits(actions, positions, report);
  return actions;
}

function compileList(sources: readonly ActionSource[], path: YamlPath, ctx: ActionContext, report: Report, positions: Map<Step, YamlPath>, saltPath: string): Action[] {
  const actions: Action[] = [];
  sources.forEach((source, i) => {
    const at = [...path, i];
    if (typeof source === 'object' && source !== null && source.split !== undefined) {
      const branches = source.split.map((b, j) => ({
        weight: b.weight,
        actions: compileList(b.then, [...at, 'split', j, 'then'], ctx, report, positions, `${saltPath}/${i}/${j}`),
      }));
      const totalWeight = branches.reduce((n, b) => n + b.weight, 0);
      actions.push({ action: 'split', branches, totalWeight, salt: `${ctx.salt ?? ''}@${saltPath}/${i}` });
      return;
    }
    const action = compileAction(source, at, ctx, report);
    if (!action) return;
    positions.set(action, at);
    actions.push(action);
  });
  return actions;
}

/** 8x8's limits, for each callflow the actions can produce (one per combination of split branches). */
function checkLimits(actions: readonly Action[], positions: ReadonlyMap<Step, YamlPath>, report: Report): void {
  const reported = new Set<Step>();
  const once = (step: Step, code: DiagnosticCode, message: string) => {
    if (reported.has(step)) return;
    reported.add(step);
    report(code, message, positions.get(step) ?? []);
  };
  const hasSplit = actions.some((a) => a.action === 'split');
  for (const steps of allStepLists(actions)) {
    let makeCalls = 0;
    steps.forEach((step, i) => {
      if ((step.action === 'makeCall' || step.action === 'callOtherParty') && ++makeCalls > MAX_MAKE_CALLS) {
        const where = hasSplit ? ' (counting the actions around the split in this branch)' : '';
        once(step, 'too-many-make-calls', `at most ${MAX_MAKE_CALLS} makeCall actions per callflow${where}: 8x8 cannot bridge more than two calls`);
      }
      if (step.action === 'hangup' && i < steps.length - 1) {
        once(step, 'hangup-not-last', '`hangup` ends the call, so it must be the last action: move it to the end or remove the actions after it');
      }
      if (step.action === 'sayAndCapture' && i < steps.length - 1) {
        const what = step.next ? '`menu` hands the call to the menu' : "`sayAndCapture` waits for the caller's keys, and they come back as the next event";
        once(step, 'capture-not-last', `${what}, so it must be the last action: move the actions after it to the rule that answers the keys`);
      }
    });
  }
}

function compileAction(source: ActionSource, at: YamlPath, ctx: ActionContext, report: Report): Step | undefined {
  if (source === 'hangup') return { action: 'hangup' };
  const map: ActionMap = source;
  if ('hangup' in map) return { action: 'hangup' };
  if (map.say !== undefined) {
    const options = typeof map.say === 'string' ? { text: map.say } : map.say;
    const textAt = typeof map.say === 'string' ? [...at, 'say'] : [...at, 'say', 'text'];
    const template = compileTemplate(options.text);
    if (!template.ok) report('unknown-placeholder', template.message, textAt);
    const voiceProfile = options.voiceProfile ?? ctx.voiceProfile;
    if (!voiceProfile && ctx.unvoiced) ctx.unvoiced.push({ file: ctx.parsed.file });
    else if (!voiceProfile) {
      report('missing-voice-profile', "this say has no voiceProfile and 8x8 has no default: add `voiceProfile:` to it, to the file's `defaults:`, or to settings.yaml", [...at, 'say'], 'key');
    }
    const { repetition, speed } = options;
    return {
      action: 'say',
      text: template.ok ? template.template : { parts: [options.text] },
      params: { voiceProfile: voiceProfile ?? '', ...(repetition === undefined ? {} : { repetition }), ...(speed === undefined ? {} : { speed }) },
    };
  }
  if (map.sayAndCapture !== undefined) return compileCapture(map.sayAndCapture, [...at, 'sayAndCapture'], ctx, report);
  if (map.menu !== undefined) {
    const entry = ctx.menus?.entry(map.menu);
    if (!ctx.menus) {
      report('menu-not-allowed', '`menu` cannot be used here: only a rule (or another menu) can open a menu', [...at, 'menu']);
    } else if (!entry) {
      const known = ctx.menus.names();
      const hint = didYouMean(map.menu, known) || (known.length > 0 ? `; the menus are ${known.join(', ')}` : '; add it under `menus:` in a rules file');
      report('unknown-menu', `there is no menu called \`${map.menu}\`${hint}`, [...at, 'menu']);
    }
    // A copy: the load-time checks tell apart each place that opens the menu.
    return entry ? { ...entry } : undefined;
  }
  if (map.playFile !== undefined) {
    const options = typeof map.playFile === 'string' ? { fileUrl: map.playFile } : map.playFile;
    const urlAt = typeof map.playFile === 'string' ? [...at, 'playFile'] : [...at, 'playFile', 'fileUrl'];
    const problem = checkAudioUrl(options.fileUrl);
    if (problem) report('bad-url', problem, urlAt);
    return { action: 'playFile', params: { fileUrl: options.fileUrl, ...(options.repetition === undefined ? {} : { repetition: options.repetition }) } };
  }
  if (map.makeCall !== undefined) {
    // A number here is a short unquoted one (the YAML reader keeps phone-shaped ones as text).
    const shorthand = typeof map.makeCall !== 'object';
    const raw = typeof map.makeCall === 'object' ? map.makeCall : { destination: map.makeCall };
    const options: { destination: string; source?: string; callRecording?: boolean } = {
      destination: String(raw.destination),
      ...(raw.source === undefined ? {} : { source: String(raw.source) }),
      ...('callRecording' in raw && raw.callRecording !== undefined ? { callRecording: raw.callRecording } : {}),
    };
    const destinationAt = shorthand ? [...at, 'makeCall'] : [...at, 'makeCall', 'destination'];
    for (const [value, where] of [
      [raw.destination, destinationAt],
      [raw.source, [...at, 'makeCall', 'source']],
    ] as const) {
      if (typeof value === 'number') report('wrong-type', `YAML reads this as the number ${value}, not a phone number: put it in quotes, like "+6587654321"`, where);
    }
    if (typeof raw.destination === 'number' || typeof raw.source === 'number') return undefined;
    let source: string | undefined;
    if (options.source !== undefined) {
      const parsed = checkPhoneNumber(options.source, ctx.phonePolicy);
      if (parsed.ok) source = parsed.e164;
      else report('bad-phone-number', parsed.message, [...at, 'makeCall', 'source']);
      if (parsed.ok && parsed.warning) report('unknown-number-range', parsed.warning, [...at, 'makeCall', 'source'], 'value', 'warning');
    }
    const extras = { ...(source === undefined ? {} : { source }), ...(options.callRecording === undefined ? {} : { callRecording: options.callRecording }) };
    if (options.destination.trim().toLowerCase() === OTHER_PARTY) {
      const where = ctx.otherParty ?? 'fallback';
      if (where !== 'allowed') {
        const why = where === 'else' ? '`else` runs when the caller has no masking pair, so there is no other party to call' : 'the fallback answers calls that matched no rule, so there is no masking pair to call';
        report('other-party-not-allowed', `makeCall ${OTHER_PARTY} cannot be used here: ${why}`, destinationAt);
      }
      return { action: 'callOtherParty', ...extras };
    }
    const destination = checkPhoneNumber(options.destination, ctx.phonePolicy);
    if (destination.ok && destination.warning) report('unknown-number-range', destination.warning, destinationAt, 'value', 'warning');
    if (!destination.ok) {
      const hint = /[a-z]/i.test(options.destination) ? didYouMean(options.destination.trim(), [OTHER_PARTY]) : '';
      report('bad-phone-number', `${destination.message}${hint}`, destinationAt);
    }
    return { action: 'makeCall', destination: destination.ok ? destination.e164 : options.destination, ...extras };
  }
  // Every action of schema/rules.schema.json is handled above (split in compileList): one added there and not here fails the typecheck.
  ({}) satisfies Record<Exclude<keyof ActionMap, 'hangup' | 'say' | 'sayAndCapture' | 'menu' | 'playFile' | 'makeCall' | 'split'>, never>;
  return undefined;
}

/** sayAndCapture, with 8x8's own validation rules (its error codes in the messages) checked at load. */
function compileCapture(source: string | SayAndCaptureOptions, at: YamlPath, ctx: ActionContext, report: Report): CaptureStep {
  const options: SayAndCaptureOptions = typeof source === 'string' ? { promptMessage: source } : source;
  const field = (name: keyof SayAndCaptureOptions): YamlPath => (typeof source === 'string' ? at : [...at, name]);
  const text = (name: 'promptMessage' | 'successMessage' | 'failureMessage') => {
    const raw = options[name];
    if (raw === undefined || raw === null) return undefined;
    const template = compileTemplate(raw);
    if (!template.ok) report('unknown-placeholder', template.message, field(name));
    return template.ok ? template.template : { parts: [raw] };
  };
  const voiceProfile = options.voiceProfile ?? ctx.voiceProfile;
  if (!voiceProfile) {
    report('missing-voice-profile', "this sayAndCapture has no voiceProfile and 8x8 has no default: add `voiceProfile:` to it, to the file's `defaults:`, or to settings.yaml", at, 'key');
  }
  const { minDigits, maxDigits, digitTimeout, overallTimeout, completeOnHash } = options;
  if (minDigits !== undefined && maxDigits === undefined) {
    report('capture-needs-max-digits', '`minDigits` needs `maxDigits` next to it: 8x8 rejects minDigits alone (code -1003). Add `maxDigits:`', field('minDigits'), 'key');
  }
  if (minDigits !== undefined && maxDigits !== undefined && minDigits > maxDigits) {
    report('capture-min-over-max', `\`minDigits\` (${minDigits}) is more than \`maxDigits\` (${maxDigits}), so no answer could ever be accepted`, field('minDigits'));
  }
  if (digitTimeout !== undefined && overallTimeout === undefined) {
    report(
      'capture-needs-overall-timeout',
      '`digitTimeout` needs `overallTimeout` next to it, and greater: 8x8 rejects digitTimeout alone (code -1005). Add `overallTimeout:` in milliseconds',
      field('digitTimeout'),
      'key',
    );
  }
  if (digitTimeout !== undefined && overallTimeout !== undefined && overallTimeout <= digitTimeout) {
    report('capture-timeout-order', `\`overallTimeout\` (${overallTimeout} ms) must be greater than \`digitTimeout\` (${digitTimeout} ms): 8x8 rejects it otherwise (code -1006)`, field('overallTimeout'));
  }
  if (completeOnHash === false && (maxDigits === undefined || maxDigits > MAX_DIGITS_WITHOUT_HASH)) {
    const why = maxDigits === undefined ? 'add `maxDigits:` (1 to 25)' : `\`maxDigits\` is ${maxDigits}; make it 25 or less`;
    report(
      'capture-hash-needs-max-digits',
      `with \`completeOnHash: false\` the input ends after maxDigits keys, so 8x8 needs maxDigits from 1 to 25 (code -1008): ${why}`,
      field(maxDigits === undefined ? 'completeOnHash' : 'maxDigits'),
    );
  }
  const successMessage = text('successMessage');
  const failureMessage = text('failureMessage');
  return {
    action: 'sayAndCapture',
    prompt: text('promptMessage') ?? { parts: [] },
    ...(successMessage ? { successMessage } : {}),
    ...(failureMessage ? { failureMessage } : {}),
    params: {
      voiceProfile: voiceProfile ?? '',
      ...(options.speed === undefined ? {} : { speed: options.speed }),
      completeOnHash: completeOnHash ?? CAPTURE_DEFAULTS.completeOnHash,
      minDigits: minDigits ?? CAPTURE_DEFAULTS.minDigits,
      maxDigits: maxDigits ?? CAPTURE_DEFAULTS.maxDigits,
      ...(digitTimeout === undefined ? {} : { digitTimeout }),
      overallTimeout: overallTimeout ?? CAPTURE_DEFAULTS.overallTimeout,
      noOfTries: options.noOfTries ?? CAPTURE_DEFAULTS.noOfTries,
    },
  };
}

/** 8x8 plays only public http(s) .mp3 or .wav files. */
function checkAudioUrl(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return `"${raw}" is not a web address: write the full URL, like https://example.com/audio/welcome.mp3`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `"${raw}" must start with https:// (or http://) so 8x8 can download it`;
  if (!/\.(mp3|wav)$/i.test(url.pathname)) return `"${raw}" must be an .mp3 or .wav file: 8x8 plays no other formats`;
  return undefined;
}

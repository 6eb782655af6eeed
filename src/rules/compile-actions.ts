import type { Diagnostic, DiagnosticCode } from '../diagnostics/diagnostic.js';
import { error, warning } from '../diagnostics/diagnostic.js';
import type { Action, Step } from '../engine/rule-set.js';
import { allStepLists } from '../engine/split.js';
import { didYouMean } from '../text/suggest.js';
import type { Action as ActionSource, ActionMap } from '../types/generated/rules.js';
import { compileTemplate } from './compile-template.js';
import type { ParsedFile, YamlPath } from '../source/parse-yaml.js';
import { checkPhoneNumber, type PhonePolicy } from './phone-number.js';

/** 8x8 bridges at most two legs: a third makeCall is rejected (reference §3.3). */
export const MAX_MAKE_CALLS = 2;

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
}

/** `makeCall: other-party` — the other party of the caller's masking pair. */
export const OTHER_PARTY = 'other-party';

type Report = (code: DiagnosticCode, message: string, at: YamlPath, target?: 'key' | 'value', severity?: 'warning') => void;

/**
 * Shorthand and full forms become 8x8's params, checked against every limit 8x8 states. With
 * splits, every branch is checked as the callflow it would send.
 */
export function compileActions(sources: readonly ActionSource[], path: YamlPath, ctx: ActionContext): Action[] {
  const report: Report = (code, message, at, target, severity) =>
    ctx.diagnostics.push((severity === 'warning' ? warning : error)(code, message, { file: ctx.parsed.file, ...ctx.parsed.locate(at, target) }));
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
      report(
        'missing-voice-profile',
        'this say has no voiceProfile and 8x8 has no default: add `voiceProfile:` to it, to the file\'s `defaults:`, or to settings.yaml',
        [...at, 'say'],
        'key',
      );
    }
    const { repetition, speed } = options;
    return {
      action: 'say',
      text: template.ok ? template.template : { parts: [options.text] },
      params: { voiceProfile: voiceProfile ?? '', ...(repetition === undefined ? {} : { repetition }), ...(speed === undefined ? {} : { speed }) },
    };
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
    for (const [value, where] of [[raw.destination, destinationAt], [raw.source, [...at, 'makeCall', 'source']]] as const) {
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
        const why = where === 'else'
          ? '`else` runs when the caller has no masking pair, so there is no other party to call'
          : 'the fallback answers calls that matched no rule, so there is no masking pair to call';
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
  return undefined;
}

/** 8x8 plays only public http(s) .mp3 or .wav files. */
export function checkAudioUrl(raw: string): string | undefined {
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

import type { Diagnostic, DiagnosticCode } from '../diagnostics/diagnostic.js';
import { error } from '../diagnostics/diagnostic.js';
import type { Action } from '../engine/rule-set.js';
import type { Action as ActionSource, ActionMap } from '../types/generated/rules.js';
import { compileTemplate } from './compile-template.js';
import type { ParsedFile, YamlPath } from './parse-yaml.js';
import { parseDialableNumber } from './phone-number.js';

/** 8x8 bridges at most two legs: a third makeCall is rejected (reference §3.3). */
export const MAX_MAKE_CALLS = 2;

export interface ActionContext {
  parsed: ParsedFile;
  /** The voice for a say that names none: the file's defaults, else settings.yaml. */
  voiceProfile: string | undefined;
  diagnostics: Diagnostic[];
}

/** Shorthand and full forms become 8x8's params, checked against every limit 8x8 states. */
export function compileActions(sources: readonly ActionSource[], path: YamlPath, ctx: ActionContext): Action[] {
  const report: Report = (code, message, at, target) =>
    ctx.diagnostics.push(error(code, message, { file: ctx.parsed.file, ...ctx.parsed.locate(at, target) }));
  const actions: Action[] = [];
  let makeCalls = 0;
  sources.forEach((source, i) => {
    const at = [...path, i];
    const action = compileAction(source, at, ctx, report);
    if (!action) return;
    if (action.action === 'makeCall' && ++makeCalls > MAX_MAKE_CALLS) {
      report('too-many-make-calls', `at most ${MAX_MAKE_CALLS} makeCall actions per callflow: 8x8 cannot bridge more than two calls`, at);
    }
    if (action.action === 'hangup' && i < sources.length - 1) {
      report('hangup-not-last', '`hangup` ends the call, so it must be the last action: move it to the end or remove the actions after it', at);
    }
    actions.push(action);
  });
  return actions;
}

type Report = (code: DiagnosticCode, message: string, at: YamlPath, target?: 'key' | 'value') => void;

function compileAction(source: ActionSource, at: YamlPath, ctx: ActionContext, report: Report): Action | undefined {
  if (source === 'hangup') return { action: 'hangup' };
  const map: ActionMap = source;
  if ('hangup' in map) return { action: 'hangup' };
  if (map.say !== undefined) {
    const options = typeof map.say === 'string' ? { text: map.say } : map.say;
    const textAt = typeof map.say === 'string' ? [...at, 'say'] : [...at, 'say', 'text'];
    const template = compileTemplate(options.text);
    if (!template.ok) report('unknown-placeholder', template.message, textAt);
    const voiceProfile = options.voiceProfile ?? ctx.voiceProfile;
    if (!voiceProfile) {
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
    const options = typeof map.makeCall === 'string' ? { destination: map.makeCall } : map.makeCall;
    const destinationAt = typeof map.makeCall === 'string' ? [...at, 'makeCall'] : [...at, 'makeCall', 'destination'];
    const destination = parseDialableNumber(options.destination);
    if (!destination.ok) report('bad-phone-number', destination.message, destinationAt);
    let source: string | undefined;
    if (options.source !== undefined) {
      const parsed = parseDialableNumber(options.source);
      if (parsed.ok) source = parsed.e164;
      else report('bad-phone-number', parsed.message, [...at, 'makeCall', 'source']);
    }
    return {
      action: 'makeCall',
      destination: destination.ok ? destination.e164 : options.destination,
      ...(source === undefined ? {} : { source }),
      ...(options.callRecording === undefined ? {} : { callRecording: options.callRecording }),
    };
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

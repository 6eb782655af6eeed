import { warning, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { YamlPath } from '../source/parse-yaml.js';
import { didYouMean } from '../text/suggest.js';
import type { Action as ActionSource } from '../types/generated/rules.js';
import { readKnownVoiceProfiles } from './known-voice-profiles.js';
import type { Lint, LintContext, LintFile } from './lint.js';

/** Every voiceProfile the author wrote, where they wrote it: file defaults, settings and each say. */
function writtenVoices(ctx: LintContext): { voice: string; source: LintFile<unknown>; path: YamlPath }[] {
  const found: { voice: string; source: LintFile<unknown>; path: YamlPath }[] = [];
  const fromActions = (actions: readonly ActionSource[] | undefined, source: LintFile<unknown>, path: YamlPath) =>
    actions?.forEach((a, j) => {
      if (typeof a === 'object' && typeof a.say === 'object' && a.say.voiceProfile !== undefined) {
        found.push({ voice: a.say.voiceProfile, source, path: [...path, j, 'say', 'voiceProfile'] });
      }
    });
  for (const file of ctx.files) {
    const voice = file.data.defaults?.voiceProfile;
    if (voice !== undefined) found.push({ voice, source: file, path: ['defaults', 'voiceProfile'] });
    file.data.rules.forEach((rule, i) => fromActions(rule.then, file, ['rules', i, 'then']));
  }
  if (ctx.settings) {
    if (ctx.settings.data.voiceProfile !== undefined) found.push({ voice: ctx.settings.data.voiceProfile, source: ctx.settings, path: ['voiceProfile'] });
    fromActions(ctx.settings.data.fallback as ActionSource[] | undefined, ctx.settings, ['fallback']);
  }
  return found;
}

function unknownVoiceProfileLint(known: ReadonlySet<string>): Lint {
  return {
    code: 'unknown-voice-profile',
    summary: 'a voiceProfile that is not in the known list (schema/voice-profiles.json)',
    run(ctx) {
      const out: Diagnostic[] = [];
      for (const { voice, source, path } of writtenVoices(ctx)) {
        if (known.has(voice)) continue;
        const hint = didYouMean(voice, known);
        out.push(
          warning(
            'unknown-voice-profile',
            `voiceProfile "${voice}" is not a voice 8x8 is known to offer${hint}. ` + "If your sub-account has it (8x8's Voice Profile API lists them), add it to schema/voice-profiles.json",
            { file: source.file, ...source.locate(path) },
          ),
        );
      }
      return out;
    },
  };
}

export const unknownVoiceProfile: Lint = unknownVoiceProfileLint(readKnownVoiceProfiles());

import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { Lint, LintContext } from './lint.js';
import { makeCallSource } from './make-call-source.js';
import { menuKeyTooLong, menuNoExhausted, menuNoWayOut, unreachableMenu } from './menu-lints.js';
import { noCatchAll } from './no-catch-all.js';
import { regexSlip } from './regex-slip.js';
import { sayTextMayBeEmpty } from './say-text-may-be-empty.js';
import { sayTextTooLong } from './say-text-too-long.js';
import { unknownVoiceProfile } from './unknown-voice-profile.js';
import { unreachableRule } from './unreachable-rule.js';

/** Every lint, in the order their warnings are listed. */
export const LINTS: readonly Lint[] = [unreachableRule, noCatchAll, unknownVoiceProfile, makeCallSource, regexSlip, sayTextTooLong, sayTextMayBeEmpty, unreachableMenu, menuKeyTooLong, menuNoWayOut, menuNoExhausted];

/** Warnings, sorted by file and line so they read top to bottom. */
export function runLints(ctx: LintContext, lints: readonly Lint[] = LINTS): Diagnostic[] {
  const out = lints.flatMap((l) => l.run(ctx));
  return out.sort((a, b) => (a.file ?? '').localeCompare(b.file ?? '') || (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0));
}

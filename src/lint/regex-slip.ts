import { warning, type Diagnostic } from '../diagnostics/diagnostic.js';
import { PHONE_FIELDS, type MatchField } from '../engine/rule-set.js';
import type { Lint } from './lint.js';

/** `^\+659`, `^\+659\d*`, `^\+659.*`: a regex that says no more than "starts with +659". */
const ONLY_A_PREFIX = /^\^\\\+(\d+)(?:\\d\*|\.\*|\\d\+)?$/;
/** A `.` between digits, not escaped: meant as a dot, but matches any character. */
const DOT_IN_DIGITS = /(?:^|[^\\])\d\.\d/;

/**
 * Regexes that load and run, but say something else than their author meant, on phone numbers
 * (the fields where `prefix:` exists). Only `field: { regex: ... }` written directly in `when`.
 */
export const regexSlip: Lint = {
  code: 'regex-slip',
  summary: 'a `regex` on a phone number that only says "starts with" (use `prefix:`), or whose `.` between digits matches any character',
  run(ctx) {
    const out: Diagnostic[] = [];
    for (const { raw, path, source } of ctx.rules) {
      for (const [field, condition] of Object.entries(raw.when ?? {})) {
        if (!PHONE_FIELDS.has(field as MatchField) || typeof condition !== 'object' || condition === null || Array.isArray(condition)) continue;
        const regex = (condition as { regex?: unknown }).regex;
        if (typeof regex !== 'string') continue;
        // Located only when warning: a position other than a rule's start costs a full parse of big files.
        const at = () => ({ file: source.file, ...source.locate([...path, 'when', field, 'regex']) });
        const prefix = ONLY_A_PREFIX.exec(regex)?.[1];
        if (prefix !== undefined) {
          out.push(warning('regex-slip', `this regex only says "${field} starts with +${prefix}": write \`${field}: { prefix: "+${prefix}" }\`, which needs no escaping and is checked as a phone number`, at()));
        } else if (DOT_IN_DIGITS.test(regex)) {
          out.push(
            warning(
              'regex-slip',
              `the \`.\` in \`${regex}\` matches any character, and 8x8's numbers hold only + and digits: write \`\\d\` for any digit (\`\\\\d\` inside double quotes in YAML), or remove the dot`,
              at(),
            ),
          );
        }
      }
    }
    return out;
  },
};

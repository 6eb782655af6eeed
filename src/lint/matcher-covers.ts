import type { Matcher } from '../engine/rule-set.js';
import { testMatcher } from '../engine/match-event.js';

/**
 * Whether every value `inner` accepts is provably accepted by `outer`. Conservative: false when
 * we cannot prove it (regex or `not` on the inner side), so a lint built on it never cries wolf.
 */
export function covers(outer: Matcher, inner: Matcher): boolean {
  switch (inner.kind) {
    case 'exact':
      // A finite set: just try each value.
      return [...inner.values].every((v) => testMatcher(outer, v));
    case 'prefix':
      return inner.prefixes.every((q) => coversPrefix(outer, q));
    case 'anyOf':
      return inner.options.every((o) => covers(outer, o));
    default:
      return false;
  }
}

/** Whether `outer` accepts every value that starts with `prefix`. */
function coversPrefix(outer: Matcher, prefix: string): boolean {
  if (outer.kind === 'prefix') return outer.prefixes.some((p) => prefix.startsWith(p));
  if (outer.kind === 'anyOf') return outer.options.some((o) => coversPrefix(o, prefix));
  return false;
}

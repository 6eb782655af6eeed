import { RE2JS } from 're2js';
import type { Matcher, Rule } from '../engine/rule-set.js';

export type RegexResult = { ok: true; matcher: Extract<Matcher, { kind: 'regex' }> } | { ok: false; code: 'bad-regex' | 'unsupported-regex'; message: string };

/**
 * A rule's `regex:` compiled with RE2 (re2js), which matches in time linear in the input: no
 * pattern a rule author pastes can make one call take seconds, as `^(\d+)+#$` does in
 * JavaScript's backtracking engine. RE2 has no backreferences or lookaround, so those are
 * rejected here with words a rule author understands.
 */
export function compileRegex(pattern: string, ignoreCase: boolean): RegexResult {
  const unsupported = unsupportedConstruct(pattern);
  if (unsupported) return { ok: false, code: 'unsupported-regex', message: `\`regex\` uses ${unsupported}` };
  // RE2 reads `^+65` as "the start, repeated, then 65", which never matches a plus sign: a slip.
  if (/^\^[+*?]/.test(pattern)) return { ok: false, code: 'bad-regex', message: explainSyntaxError(pattern, 'a repeat sign right after `^`') };
  let compiled: RE2JS;
  try {
    compiled = compiledOnce(pattern, ignoreCase);
  } catch (e) {
    return { ok: false, code: 'bad-regex', message: explainSyntaxError(pattern, e instanceof Error ? e.message : String(e)) };
  }
  const matcher = { kind: 'regex', pattern, ignoreCase } as Extract<Matcher, { kind: 'regex' }>;
  attach(matcher, compiled);
  return { ok: true, matcher };
}

/** A regex matcher for a pattern written in the code (menus' own conditions), not by a rule author. */
export function builtInRegex(pattern: RegExp): Extract<Matcher, { kind: 'regex' }> {
  const compiled = compileRegex(pattern.source, pattern.flags.includes('i'));
  if (!compiled.ok) throw new Error(`built-in pattern /${pattern.source}/ does not compile in RE2: ${compiled.message}`);
  return compiled.matcher;
}

/** Compiled programs by flag and pattern: rules made again from bytes share them instead of compiling each time. */
export type CompiledRegexes = Map<string, RE2JS>;

/**
 * Compiles again the regexes of rules that crossed a thread (structured clone keeps the pattern
 * but not the compiled program, which is not enumerable so that it is never copied).
 */
export function reviveRegexes(rules: readonly Rule[], compiled: CompiledRegexes = new Map()): void {
  const compile = (pattern: string, ignoreCase: boolean): RE2JS => {
    const key = `${ignoreCase ? 'i' : '-'}${pattern}`;
    let re = compiled.get(key);
    if (!re) compiled.set(key, (re = compiledOnce(pattern, ignoreCase)));
    return re;
  };
  const revive = (m: Matcher): void => {
    if (m.kind === 'regex') attach(m, compile(m.pattern, m.ignoreCase));
    else if (m.kind === 'not') revive(m.inner);
    else if (m.kind === 'anyOf') m.options.forEach(revive);
  };
  for (const rule of rules) for (const c of rule.conditions) if (c.kind === 'field') revive(c.matcher);
}

/**
 * Generated folders repeat a few patterns thousands of times, and compiling one costs about as
 * much as checking a phone number: each distinct pattern is compiled once and its program shared
 * (an RE2JS holds no per-match state: each test() takes a machine from its pool). Bounded, so a long-running
 * server reloading ever-new patterns does not keep them all.
 */
const programs = new Map<string, RE2JS>();
const MAX_PROGRAMS = 10_000;

function compiledOnce(pattern: string, ignoreCase: boolean): RE2JS {
  const key = `${ignoreCase ? 'i' : '-'}${pattern}`;
  let compiled = programs.get(key);
  if (!compiled) {
    compiled = RE2JS.compile(pattern, ignoreCase ? RE2JS.CASE_INSENSITIVE : 0);
    if (programs.size >= MAX_PROGRAMS) programs.clear();
    programs.set(key, compiled);
  }
  return compiled;
}

function attach(matcher: Extract<Matcher, { kind: 'regex' }>, compiled: RE2JS): void {
  Object.defineProperty(matcher, 'regex', { value: { test: (text: string) => compiled.test(text) }, enumerable: false, configurable: true });
}

const RE2_SYNTAX = 'rule regexes use RE2 syntax (https://github.com/google/re2/wiki/Syntax)';

/** The constructs RE2 refuses because they need backtracking, found before RE2 gives a vaguer reason. */
function unsupportedConstruct(pattern: string): string | undefined {
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      const next = pattern[i + 1] ?? '';
      if (!inClass && /[1-9]/.test(next))
        return `a backreference (\`\\${next}\`), which the router does not support: ${RE2_SYNTAX}, which matches in linear time and cannot repeat an earlier group; list the values, or match each part with its own pattern`;
      if (!inClass && next === 'k' && pattern[i + 2] === '<') return `a named backreference (\`\\k<…>\`), which the router does not support: ${RE2_SYNTAX}, which cannot repeat an earlier group`;
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
      // `[]a]` and `[^]a]`: a `]` first in the class is a literal.
      if (pattern[i + 1] === '^') i++;
      if (pattern[i + 1] === ']') i++;
      continue;
    }
    if (c === '(' && pattern[i + 1] === '?') {
      const kind = pattern.startsWith('(?=', i)
        ? 'lookahead `(?=…)`'
        : pattern.startsWith('(?!', i)
          ? 'negative lookahead `(?!…)`'
          : pattern.startsWith('(?<=', i)
            ? 'lookbehind `(?<=…)`'
            : pattern.startsWith('(?<!', i)
              ? 'negative lookbehind `(?<!…)`'
              : undefined;
      if (kind) return `a ${kind}, which the router does not support: ${RE2_SYNTAX}, which matches in linear time and has no lookaround; to exclude values, wrap a condition in \`not:\` instead`;
    }
  }
  return undefined;
}

/** RE2's reason in plain words, with a hint for the slips rule authors make most. */
function explainSyntaxError(pattern: string, raw: string): string {
  const reason = raw.replace(/^error parsing regexp: /, '');
  const base = `\`regex\` is not a valid regular expression (${reason})`;
  const hints: string[] = [];
  const phone = /^\^?\\?\+?[\d ]+\$?$/.test(pattern) || /^\+\d/.test(pattern);
  if (/^\^?[+*?]/.test(pattern)) {
    const rest = pattern.replace(/^\^?[+*?]/, '');
    hints.push(`\`${pattern.replace(/^\^/, '')[0]}\` means "repeat the thing before", and nothing comes before it; to match a plus sign write \`\\+\` (in double quotes in YAML: \`"^\\\\+${rest}"\`)`);
  }
  if (/missing closing \)/.test(reason)) hints.push('a `(` is never closed: add the `)`, or write `\\(` to match a bracket itself');
  if (/unexpected \)/.test(reason)) hints.push('a `)` has no `(` before it: remove it, or write `\\)` to match a bracket itself');
  if (/missing closing \]/.test(reason)) hints.push('a `[` is never closed: add the `]`, or write `\\[` to match a bracket itself');
  if (/invalid escape sequence/.test(reason))
    hints.push(`that \`\\\` escape does not exist in RE2, the syntax rule regexes use (https://github.com/google/re2/wiki/Syntax); \`\\d\` is a digit, \`\\+\` a plus sign, \`\\.\` a dot`);
  if (/invalid nested repetition|bad repetition/.test(reason)) hints.push('two repeat signs in a row (like `++` or `*+`); keep one');
  if (/invalid repeat count/.test(reason)) hints.push('a `{n,m}` count must have n ≤ m and at most 1000');
  if (phone)
    hints.push(
      'this looks like a phone number: for one number write it as a plain value (`source: "+6591234567"`), and for numbers that start the same way use `prefix:` (`source: { prefix: "+65" }`), which needs no escaping',
    );
  if (/(^|[^\\])\.\d/.test(pattern)) hints.push('an unescaped `.` matches any character; write `\\.` for a dot');
  return hints.length > 0 ? `${base}: ${hints.join('; ')}` : `${base}; ${RE2_SYNTAX}`;
}

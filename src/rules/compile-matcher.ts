import { COUNTRY_FIELDS, PHONE_FIELDS, type MatchField, type Matcher } from '../engine/rule-set.js';
import type { Literal, Matcher as MatcherSource, Operator } from '../types/generated/rules.js';
import { checkPhoneNumber, checkPhonePrefix, type PhonePolicy, type PhoneResult } from './phone-number.js';
import { compileRegex } from './linear-regex.js';
import type { NamedLists } from './compile-lists.js';
import type { YamlPath } from '../source/parse-yaml.js';

export interface MatcherProblem {
  code: 'bad-phone-number' | 'unknown-number-range' | 'bad-regex' | 'unsupported-regex' | 'unknown-list' | 'bad-country-code';
  message: string;
  /** Problems are errors unless they say otherwise (a number in no known range is a warning). */
  severity?: 'warning';
  path: YamlPath;
}

/**
 * Compiles one `when:` field. Problems are collected, not thrown, so one run reports them all.
 * `lists` are the named lists that `in:` refers to; `policy` says how local numbers are shown in full.
 */
export function compileMatcher(field: MatchField, source: MatcherSource, path: YamlPath, problems: MatcherProblem[], lists?: NamedLists, policy: PhonePolicy = {}): Matcher {
  if (Array.isArray(source)) {
    const options = source.map((s, i) => compileMatcher(field, s, [...path, i], problems, lists, policy));
    // A plain list of values is one set lookup, not a loop.
    if (options.every((o) => o.kind === 'exact')) {
      return { kind: 'exact', values: new Set(options.flatMap((o) => (o.kind === 'exact' ? [...o.values] : []))) };
    }
    return { kind: 'anyOf', options };
  }
  if (typeof source === 'object') return compileOperator(field, source, path, problems, lists, policy);
  return { kind: 'exact', values: new Set([normalizeValue(field, source, (raw) => checkPhoneNumber(raw, policy), path, problems)]) };
}

function compileOperator(field: MatchField, op: Operator, path: YamlPath, problems: MatcherProblem[], lists: NamedLists | undefined, policy: PhonePolicy): Matcher {
  if (op.in !== undefined) return compileIn(field, op.in, [...path, 'in'], problems, lists);
  if (op.prefix !== undefined) {
    const list = Array.isArray(op.prefix) ? op.prefix : [op.prefix];
    const prefixes = list.map((p, i) => normalizeValue(field, p, (raw) => checkPhonePrefix(raw, policy), Array.isArray(op.prefix) ? [...path, 'prefix', i] : [...path, 'prefix'], problems, 'prefix'));
    return { kind: 'prefix', prefixes };
  }
  if (op.regex !== undefined) {
    const compiled = compileRegex(op.regex, COUNTRY_FIELDS.has(field));
    if (compiled.ok) return compiled.matcher;
    problems.push({ code: compiled.code, message: compiled.message, path: [...path, 'regex'] });
    return { kind: 'exact', values: new Set() };
  }
  // The schema guarantees exactly one operator, so this is `not`.
  return { kind: 'not', inner: compileMatcher(field, op.not as MatcherSource, [...path, 'not'], problems, lists, policy) };
}

/** `in: vip-numbers` is an exact match on the list's values, so it uses the index like a literal list. */
function compileIn(field: MatchField, names: string | string[], path: YamlPath, problems: MatcherProblem[], lists: NamedLists | undefined): Matcher {
  const list = Array.isArray(names) ? names : [names];
  const values = new Set<string>();
  list.forEach((name, i) => {
    const found = lists?.values(name, field);
    if (found) for (const v of found) values.add(v);
    else problems.push({ code: 'unknown-list', message: lists ? lists.unknownMessage(name) : `unknown list \`${name}\``, path: Array.isArray(names) ? [...path, i] : path });
  });
  return { kind: 'exact', values, lists: list };
}

type PhoneParser = (raw: string) => PhoneResult;

/** A value as the engine compares it: phone numbers in +E.164, country codes upper case. */
function normalizeValue(field: MatchField, value: Literal, parsePhone: PhoneParser, path: YamlPath, problems: MatcherProblem[], kind: 'exact' | 'prefix' = 'exact'): string {
  const text = String(value);
  if (PHONE_FIELDS.has(field)) {
    const parsed = parsePhone(text);
    if (!parsed.ok) {
      problems.push({ code: 'bad-phone-number', message: parsed.message, path });
      return text;
    }
    if (parsed.warning) problems.push({ code: 'unknown-number-range', message: parsed.warning, path, severity: 'warning' });
    return parsed.e164;
  }
  if (COUNTRY_FIELDS.has(field) && kind === 'exact' && !/^[A-Za-z]{2}$/.test(text)) {
    problems.push({ code: 'bad-country-code', message: `"${text}" is not a country code: 8x8 sends two letters (ISO 3166), like SG, MY or US`, path });
  }
  return COUNTRY_FIELDS.has(field) ? text.toUpperCase() : text;
}

import { createRequire } from 'node:module';
import { isSupportedCountry, Metadata, parsePhoneNumberFromString, PhoneNumber, validatePhoneNumberLength, type CountryCode } from 'libphonenumber-js/max';

/**
 * The one place a phone number written in a rule is judged. The policy, for `when` and `makeCall` alike:
 * - not international (no `+` or `00`): an error that shows the number to write; the country comes
 *   from what the author wrote or from settings.yaml's `defaultCountry`, never from a guess;
 * - impossible (no such calling code, too short, too long): an error saying which;
 * - possible but in no range libphonenumber knows (new ranges appear before its data has them):
 *   accepted with a warning that says exactly that, with the data's version.
 */
export type PhoneResult = { ok: true; e164: string; warning?: string } | { ok: false; message: string };

const require = createRequire(import.meta.url);
/** The data behind every "valid" and "possible" verdict: shown in warnings so a stale copy can be spotted. */
export const PHONE_DATA_VERSION = `libphonenumber-js ${(require('libphonenumber-js/package.json') as { version: string }).version}`;
const METADATA = require('libphonenumber-js/metadata.min.json') as {
  country_calling_codes: Record<string, string[]>;
  countries: Record<string, unknown[]>;
};
const CALLING_CODES = Object.keys(METADATA.country_calling_codes);

/** settings.yaml's `defaultCountry`, when the folder names one: how a local number would be written in full. */
export interface PhonePolicy {
  defaultCountry?: string;
}

const FORMATTING = /[\s().-]/g;
const DIGITS_ONLY = /^[\d\s().-]+$/;

/** "+65 8765 4321" and "006587654321" both mean +6587654321; undefined when there is no `+` or `00`. */
function international(raw: string): string | undefined {
  const trimmed = raw.trim();
  if (trimmed.startsWith('+') && DIGITS_ONLY.test(trimmed.slice(1))) return `+${trimmed.slice(1).replace(FORMATTING, '')}`;
  const compact = trimmed.replace(FORMATTING, '');
  if (/^00\d/.test(compact) && DIGITS_ONLY.test(trimmed)) return `+${compact.slice(2)}`;
  return undefined;
}

/** The digits after `+`, up to the country calling code the author wrote: "+6591234567" → "65". */
function callingCodeOf(e164: string): string | undefined {
  const digits = e164.slice(1);
  return CALLING_CODES.find((c) => digits.startsWith(c));
}

function defaultCallingCode(policy: PhonePolicy): { country: CountryCode; code: string; trunk: string } | undefined {
  const country = policy.defaultCountry?.toUpperCase();
  if (!country || !isSupportedCountry(country)) return undefined;
  const plan = METADATA.countries[country]!;
  return { country, code: String(plan[0]), trunk: typeof plan[5] === 'string' ? plan[5] : '' };
}

/** A number a rule compares against or dials. */
export function checkPhoneNumber(raw: string, policy: PhonePolicy = {}): PhoneResult {
  const e164 = international(raw);
  if (e164 === undefined) return notInternational(raw, policy);
  const quick = asWritten(e164);
  if (quick === 'valid') return { ok: true, e164 };
  // A possible number in no known range: the same verdict as below, without parsing twice (5x the cost).
  if (quick === 'possible') return unknownRange(raw, e164);
  return checkByParsing(raw, e164);
}

/**
 * The full path: parse (which may strip a national prefix and finds the country of a shared
 * calling code), then say what is wrong. Exported for the test that holds checkPhoneNumber's
 * shortcuts to its answers.
 */
export function checkByParsing(raw: string, e164: string): PhoneResult {
  // `e164` is already "+digits": nothing to extract from surrounding text (and 100k numbers parse faster).
  const parsed = parsePhoneNumberFromString(e164, { extract: false });
  if (parsed?.isValid()) return { ok: true, e164: parsed.number };
  const code = callingCodeOf(e164);
  if (!code) return { ok: false, message: `"${raw}" cannot be a phone number: no country calling code starts ${e164.slice(0, 4)}; check the digits after the +` };
  const length = validatePhoneNumberLength(e164);
  if (length === 'TOO_SHORT') return { ok: false, message: `"${raw}" is too short for a +${code} number: check for missing digits` };
  if (length === 'TOO_LONG') return { ok: false, message: `"${raw}" is too long for a +${code} number: check for extra digits` };
  if (length !== undefined || !parsed?.isPossible()) return { ok: false, message: `"${raw}" has the wrong number of digits for a +${code} number` };
  return unknownRange(raw, parsed.number);
}

function unknownRange(raw: string, e164: string): PhoneResult {
  const code = callingCodeOf(e164)!;
  return {
    ok: true,
    e164,
    warning: `"${raw}" has the right length for a +${code} number, but is in no range of +${code} numbers that ${PHONE_DATA_VERSION} knows: check the digits (if they are right, the number is used as written)`,
  };
}

/**
 * Parsing costs twice what validating does (100k numbers: 2.1 s against 0.9 s), and a "+digits"
 * number usually needs none of it. Where parsing cannot change the number, that is where its
 * calling code belongs to one country and no national prefix can be stripped from the digits
 * after it, parsing yields this very number in that country, so `new PhoneNumber(e164)`'s
 * `isValid()` (which `validatorOf` gives faster) and `isPossible()` are parse's verdicts (and
 * validatePhoneNumberLength's, which parses and checks the same length). Anything else (shared
 * codes like +1, strippable prefixes) is undefined: the full path.
 */
function asWritten(e164: string): 'valid' | 'possible' | 'neither' | undefined {
  const code = callingCodeOf(e164);
  if (code === undefined) return undefined;
  const plan = singleCountryPlans.get(code);
  if (plan === undefined) return undefined;
  const national = e164.slice(1 + code.length);
  if (national.length < 2 || national.length > 17 || plan.strip?.test(national)) return undefined;
  if (plan.valid(national)) return 'valid';
  return new PhoneNumber(e164 as `+${string}`).isPossible() ? 'possible' : 'neither';
}

/** Valid without parsing (see asWritten). Exported for the test that holds the two paths to the same answers. */
export function surelyValid(e164: string): boolean {
  return asWritten(e164) === 'valid';
}

/**
 * The country of a number already checked (checkPhoneNumber said ok), as parsing names it: a
 * calling code of one country names it without parsing (a session create asks this for a pool
 * with countries, and a parse cost more than the rest of the create's checks); a shared code
 * (+1, +44, +7) needs the digits, so it parses.
 */
export function countryOf(e164: string): string | undefined {
  const code = callingCodeOf(e164);
  const only = code === undefined ? undefined : singleCountries.get(code);
  return only ?? parsePhoneNumberFromString(e164, { extract: false })?.country;
}

/** Calling code → its one country, for codes of exactly one (supported) country. */
const singleCountries = new Map<string, CountryCode>();

/**
 * The types libphonenumber-js's getNumberType tries, in its order (helpers/getNumberType.js): a
 * number of a country with type patterns is valid when its national number is one of them.
 */
const NUMBER_TYPES = ['FIXED_LINE', 'MOBILE', 'PREMIUM_RATE', 'TOLL_FREE', 'SHARED_COST', 'VOIP', 'PERSONAL_NUMBER', 'PAGER', 'UAN', 'VOICEMAIL'] as const;

interface NumberType {
  pattern(): string;
  possibleLengths(): number[] | undefined;
}
interface NumberingPlan {
  nationalPrefixForParsing(): string | 0 | undefined;
  nationalNumberPattern(): string;
  hasTypes(): boolean;
  type(type: (typeof NUMBER_TYPES)[number]): NumberType | undefined;
}

/**
 * `new PhoneNumber(e164).isValid()` for a national number of this plan's country, with the
 * patterns compiled once: the library builds a RegExp from text for every test (about ten per
 * number), which was most of a 100k-rule compile's 250 ms of number checks. Same steps as the
 * library's isValid and getNumberType; test/rule-numbers.test.ts holds them to its answers.
 */
function validatorOf(plan: NumberingPlan): (national: string) => boolean {
  const whole = (pattern: string) => new RegExp(`^(?:${pattern})$`);
  const general = whole(plan.nationalNumberPattern());
  if (!plan.hasTypes()) return (national) => general.test(national);
  const types = NUMBER_TYPES.flatMap((name) => {
    const type = plan.type(name);
    return type?.pattern() ? [{ lengths: type.possibleLengths(), pattern: whole(type.pattern()) }] : [];
  });
  return (national) => general.test(national) && types.some((t) => (!t.lengths || t.lengths.includes(national.length)) && t.pattern.test(national));
}

/**
 * Calling code → for codes of exactly one country: the national prefix parsing would strip
 * (null: none), and the country's validity check.
 */
const singleCountryPlans = new Map<string, { strip: RegExp | null; valid: (national: string) => boolean }>();
{
  const metadata = new Metadata() as Metadata & { numberingPlan?: NumberingPlan };
  for (const [code, countries] of Object.entries(METADATA.country_calling_codes)) {
    const country = countries.length === 1 ? countries[0] : undefined;
    if (country === undefined || !isSupportedCountry(country)) continue;
    singleCountries.set(code, country);
    metadata.selectNumberingPlan(country);
    const plan = metadata.numberingPlan!;
    const prefix = plan.nationalPrefixForParsing();
    singleCountryPlans.set(code, { strip: prefix ? new RegExp(`^(?:${prefix})`) : null, valid: validatorOf(plan) });
  }
}

function notInternational(raw: string, policy: PhonePolicy): PhoneResult {
  const trimmed = raw.trim();
  if (!DIGITS_ONLY.test(trimmed) || !/\d/.test(trimmed)) {
    return { ok: false, message: `"${raw}" is not a phone number: write it in international format, with + and the country code` };
  }
  const never = `"${raw}" is not in international format, so 8x8's numbers (always + and the country code) never equal it`;
  const local = defaultCallingCode(policy);
  const asLocal = local ? parsePhoneNumberFromString(trimmed, local.country) : undefined;
  if (asLocal?.isPossible()) return { ok: false, message: `${never}: write "${asLocal.number}"` };
  const withPlus = parsePhoneNumberFromString(`+${trimmed.replace(FORMATTING, '')}`);
  if (withPlus?.isValid()) return { ok: false, message: `${never}: write "${withPlus.number}" if ${withPlus.countryCallingCode} is its country code` };
  const how = local ? '' : ', or set `defaultCountry:` in settings.yaml to have local numbers shown in full';
  return { ok: false, message: `${never}: write + and the country code in front of it${how}` };
}

/** A prefix of a phone number, like "+659": formatting dropped; it must be able to start some E.164 number. */
export function checkPhonePrefix(raw: string, policy: PhonePolicy = {}): PhoneResult {
  const trimmed = raw.trim();
  const e164 = international(trimmed);
  if (e164 === undefined) {
    if (!DIGITS_ONLY.test(trimmed) || !/\d/.test(trimmed)) {
      return { ok: false, message: `prefix "${raw}" is not the start of a phone number: use + and digits, like "+659"` };
    }
    const digits = trimmed.replace(FORMATTING, '');
    const never = `prefix "${raw}" is not international, so 8x8's numbers (always + and the country code) never start with it`;
    const local = defaultCallingCode(policy);
    if (local) return { ok: false, message: `${never}: write "+${local.code}${local.trunk && digits.startsWith(local.trunk) ? digits.slice(local.trunk.length) : digits}"` };
    if (CALLING_CODES.some((c) => digits.startsWith(c))) return { ok: false, message: `${never}: write "+${digits}" if it starts with the country code` };
    return { ok: false, message: `${never}: write + and the country code in front of it, or set \`defaultCountry:\` in settings.yaml to have local prefixes shown in full` };
  }
  const digits = e164.slice(1);
  if (digits === '' || !CALLING_CODES.some((c) => c.startsWith(digits) || digits.startsWith(c))) {
    return { ok: false, message: `prefix "${raw}" cannot start any phone number: no country calling code starts ${e164.slice(0, 4)}` };
  }
  if (digits.length > 15) return { ok: false, message: `prefix "${raw}" is longer than any phone number (15 digits after the +)` };
  return { ok: true, e164 };
}

/** A folder's `defaultCountry`, checked: undefined when fine, else the message. */
export function checkDefaultCountry(country: string): string | undefined {
  return isSupportedCountry(country.toUpperCase()) ? undefined : `defaultCountry "${country}" is not a country libphonenumber knows: use the two-letter ISO 3166 code, like SG, MY or GB`;
}

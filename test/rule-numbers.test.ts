import { describe, expect, it } from 'vitest';
import { getCountries, getCountryCallingCode, getExampleNumber, parsePhoneNumberFromString, PhoneNumber } from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/mobile/examples';
import { checkByParsing, checkPhoneNumber, countryOf, PHONE_DATA_VERSION, surelyValid } from '../src/rules/phone-number.js';
import { build, VOICE } from './helpers/rules.js';

const RANGE = (raw: string, code: string) =>
  `"${raw}" has the right length for a +${code} number, but is in no range of +${code} numbers that ${PHONE_DATA_VERSION} knows: check the digits (if they are right, the number is used as written)`;
const NEVER = (raw: string) => `"${raw}" is not in international format, so 8x8's numbers (always + and the country code) never equal it`;
const NEVER_PREFIX = (raw: string) => `prefix "${raw}" is not international, so 8x8's numbers (always + and the country code) never start with it`;

/** The diagnostics of one rule whose `when` is `condition`, with settings.yaml `settings`. */
function problems(condition: string, settings = `voiceProfile: ${VOICE}\n`) {
  const result = build({ 'r.yaml': `rules:\n  - id: r\n    when:\n      ${condition}\n    then: [hangup]\n` }, settings);
  return result.diagnostics.map(({ severity, code, message, file, line }) => ({ severity, code, message, file, line }));
}

describe('a number a rule compares against is checked at load', () => {
  it.each([
    ['a local number', 'source: "91234567"', 'bad-phone-number', `${NEVER('91234567')}: write + and the country code in front of it, or set \`defaultCountry:\` in settings.yaml to have local numbers shown in full`],
    ['digits that already hold a country code', 'source: "6591234567"', 'bad-phone-number', `${NEVER('6591234567')}: write "+6591234567" if 65 is its country code`],
    ['a calling code no country has', 'destination: "+999123456"', 'bad-phone-number', '"+999123456" cannot be a phone number: no country calling code starts +999; check the digits after the +'],
    ['too short', 'source: "+6512"', 'bad-phone-number', '"+6512" is too short for a +65 number: check for missing digits'],
    ['too long', 'source: "+659123456789012"', 'bad-phone-number', '"+659123456789012" is too long for a +65 number: check for extra digits'],
    ['not digits', 'source: "vip"', 'bad-phone-number', '"vip" is not a phone number: write it in international format, with + and the country code'],
    [
      'a number in a list',
      'source: ["+6591234567", "81234567"]',
      'bad-phone-number',
      `${NEVER('81234567')}: write + and the country code in front of it, or set \`defaultCountry:\` in settings.yaml to have local numbers shown in full`,
    ],
    [
      'a local prefix',
      'source: { prefix: "08" }',
      'bad-phone-number',
      `${NEVER_PREFIX('08')}: write + and the country code in front of it, or set \`defaultCountry:\` in settings.yaml to have local prefixes shown in full`,
    ],
    ['a prefix that holds a country code', 'source: { prefix: "659" }', 'bad-phone-number', `${NEVER_PREFIX('659')}: write "+659" if it starts with the country code`],
    ['a prefix no number can start with', 'source: { prefix: "+0" }', 'bad-phone-number', 'prefix "+0" cannot start any phone number: no country calling code starts +0'],
    ['a prefix with an unused calling code', 'source: { prefix: ["+65", "+999"] }', 'bad-phone-number', 'prefix "+999" cannot start any phone number: no country calling code starts +999'],
  ])('%s is an error', (_what, condition, code, message) => {
    expect(problems(condition)).toEqual([{ severity: 'error', code, message, file: 'r.yaml', line: 4 }]);
  });

  it.each([
    ['a local number', 'source: "91234567"', `${NEVER('91234567')}: write "+6591234567"`],
    ['a local number with a trunk 0', 'source: "07911 123456"', `${NEVER('07911 123456')}: write "+447911123456"`, 'GB'],
    ['a local prefix', 'source: { prefix: "9" }', `${NEVER_PREFIX('9')}: write "+659"`],
    ['a local prefix with a trunk 0', 'source: { prefix: "07" }', `${NEVER_PREFIX('07')}: write "+447"`, 'GB'],
  ])('with defaultCountry, %s shows the number to write', (_what, condition, message, country = 'SG') => {
    expect(problems(condition, `voiceProfile: ${VOICE}\ndefaultCountry: ${country}\n`)).toEqual([{ severity: 'error', code: 'bad-phone-number', message, file: 'r.yaml', line: 4 }]);
  });

  it.each([
    ['an exact number', 'source: "+6580000001"'],
    ['a list', 'source: [+6591234567, +6580000001]'],
  ])('a possible number in no known range (%s) is a warning, and the rule loads', (_what, condition) => {
    expect(problems(condition)).toEqual([{ severity: 'warning', code: 'unknown-number-range', message: RANGE('+6580000001', '65'), file: 'r.yaml', line: 4 }]);
  });

  it.each([
    ['a valid number', 'source: "+6591234567"'],
    ['formatting and 00', 'source: "0065 9123 4567"'],
    ['an unquoted number', 'destination: +6568332049'],
    ['a prefix of a calling code', 'source: { prefix: "+6" }'],
    ['a long prefix', 'source: { prefix: "+65 9123" }'],
  ])('%s is fine', (_what, condition) => {
    expect(problems(condition)).toEqual([]);
  });

  it('checks list values in settings.yaml, once, where they are written', () => {
    const settings = `voiceProfile: ${VOICE}\nlists:\n  vip: ["+6591234567", "81234567", "+6580000001"]\n`;
    expect(problems('source: { in: vip }', settings)).toEqual([
      {
        severity: 'error',
        code: 'bad-phone-number',
        message: `${NEVER('81234567')}: write + and the country code in front of it, or set \`defaultCountry:\` in settings.yaml to have local numbers shown in full (list \`vip\` is used for phone numbers)`,
        file: 'settings.yaml',
        line: 3,
      },
      { severity: 'warning', code: 'unknown-number-range', message: `${RANGE('+6580000001', '65')} (list \`vip\` is used for phone numbers)`, file: 'settings.yaml', line: 3 },
    ]);
  });

  it('refuses a defaultCountry libphonenumber does not know', () => {
    expect(problems('source: "+6591234567"', `voiceProfile: ${VOICE}\ndefaultCountry: XX\n`)).toEqual([
      { severity: 'error', code: 'bad-country-code', message: 'defaultCountry "XX" is not a country libphonenumber knows: use the two-letter ISO 3166 code, like SG, MY or GB', file: 'settings.yaml', line: 2 },
    ]);
  });
});

describe('makeCall numbers follow the same policy', () => {
  function makeCall(action: string, settings = `voiceProfile: ${VOICE}\n`) {
    const result = build({ 'r.yaml': `rules:\n  - id: r\n    then:\n      - ${action}\n` }, settings);
    return result.diagnostics.map(({ severity, code, message }) => ({ severity, code, message }));
  }
  it.each([
    [
      'a local number names no country',
      'makeCall: "312345678"',
      'error',
      'bad-phone-number',
      `${NEVER('312345678')}: write + and the country code in front of it, or set \`defaultCountry:\` in settings.yaml to have local numbers shown in full`,
    ],
    [
      'a local caller ID',
      'makeCall: { destination: "+6587654321", source: "61234567" }',
      'error',
      'bad-phone-number',
      `${NEVER('61234567')}: write + and the country code in front of it, or set \`defaultCountry:\` in settings.yaml to have local numbers shown in full`,
    ],
    ['a possible number in no known range', 'makeCall: "+6580000001"', 'warning', 'unknown-number-range', RANGE('+6580000001', '65')],
  ])('%s', (_what, action, severity, code, message) => {
    expect(makeCall(action)).toEqual([{ severity, code, message }]);
  });

  it('with defaultCountry, a local number shows the number to write', () => {
    expect(makeCall('makeCall: "61234567"', `voiceProfile: ${VOICE}\ndefaultCountry: sg\n`)).toEqual([{ severity: 'error', code: 'bad-phone-number', message: `${NEVER('61234567')}: write "+6561234567"` }]);
  });
});

describe('the quick validity check agrees with parsing', () => {
  // Every country's example mobile number, its neighbours, and the same digits after the national
  // prefix a caller would dial at home (which parsing strips): where the quick check says valid,
  // parsing must say valid too, and give back the number as written.
  const countries = getCountries();
  const written = countries.flatMap((country) => {
    const example = getExampleNumber(country, examples);
    if (!example) return [];
    const code = example.countryCallingCode;
    const national = example.nationalNumber;
    const variants = [national, `${national.slice(0, -1)}${(Number(national.at(-1)) + 1) % 10}`, `${national.slice(0, -2)}00`, `0${national}`, `1${national}`, national.slice(1)];
    return variants.map((digits) => `+${code}${digits}`);
  });
  // Valid as written, but parsing strips Belarus's national prefix 8 first (found by a search of random numbers).
  written.push('+3758108507012');

  it('covers every country libphonenumber has examples for', () => {
    expect(written.length).toBeGreaterThan(1000);
    expect(written.filter(surelyValid).length).toBeGreaterThan(500);
  });

  it('gives the same verdict and number for each of them', () => {
    const disagreements = written.flatMap((number) => {
      const parsed = parsePhoneNumberFromString(number, { extract: false });
      const quick = surelyValid(number);
      const full = checkPhoneNumber(number);
      const fine = (!quick || (parsed?.isValid() === true && parsed.number === number)) && full.ok === (parsed?.isPossible() === true);
      return fine ? [] : [{ number, quick, parsedValid: parsed?.isValid(), parsedNumber: parsed?.number, full }];
    });
    expect(disagreements).toEqual([]);
  });

  it("judges random numbers of every country exactly as the library's own isValid does", () => {
    // The quick check's last step used to be `new PhoneNumber(e164).isValid()`; it now runs the
    // same patterns compiled once. Where its earlier steps pass, the two must agree on every number.
    const countriesOf = new Map<string, number>();
    for (const country of countries) {
      const code = getCountryCallingCode(country);
      countriesOf.set(code, (countriesOf.get(code) ?? 0) + 1);
    }
    let seed = 12345;
    const random = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const codes = [...countriesOf].filter(([, n]) => n === 1).map(([code]) => code);
    const numbers = Array.from({ length: 20_000 }, () => `+${codes[random(codes.length)]}${Array.from({ length: 6 + random(6) }, () => random(10)).join('')}`);
    const quick = numbers.filter(surelyValid);
    expect(quick.length).toBeGreaterThan(1000);
    expect(quick.filter((n) => !new PhoneNumber(n as `+${string}`).isValid())).toEqual([]);
    // And no valid number the library takes as written (no national prefix to strip) is missed.
    const missed = numbers.filter((n) => !surelyValid(n) && new PhoneNumber(n as `+${string}`).isValid() && parsePhoneNumberFromString(n, { extract: false })?.number === n);
    expect(missed.filter((n) => checkPhoneNumber(n).ok !== true)).toEqual([]);
    expect(missed.length).toBeLessThan(quick.length / 20);
  });

  it('answers each of them (and possible numbers in no known range) as parsing does, warning included', () => {
    // +658000xxxx: the right length for Singapore, in no range it knows (the sessions bench's drivers).
    const numbers = [...written, '+6580000001', '+6580012345', '+658000000', '+65800000012'];
    const answers = numbers.map((n) => checkPhoneNumber(n));
    expect(numbers.map((n, i) => [n, answers[i]])).toEqual(numbers.map((n) => [n, checkByParsing(n, n)]));
    expect(answers.filter((a) => a.ok && a.warning !== undefined).length).toBeGreaterThan(50);
  });

  it('names the country of each number it accepts as parsing does (+1, +44 and +7 included)', () => {
    const accepted = [...written, '+12125550123', '+14165550123', '+447911123456', '+441481712345', '+79123456789', '+77012345678'].flatMap((n) => {
      const r = checkPhoneNumber(n);
      return r.ok ? [r.e164] : [];
    });
    expect(accepted.map((n) => [n, countryOf(n)])).toEqual(accepted.map((n) => [n, parsePhoneNumberFromString(n)?.country]));
  });
});

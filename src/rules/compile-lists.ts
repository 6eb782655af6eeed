import { error, warning, type Diagnostic } from '../diagnostics/diagnostic.js';
import { COUNTRY_FIELDS, PHONE_FIELDS, type MatchField } from '../engine/rule-set.js';
import type { Settings } from '../types/generated/settings.js';
import { didYouMean } from '../text/suggest.js';
import type { ParsedFile, YamlPath } from '../source/parse-yaml.js';
import { checkPhoneNumber, type PhonePolicy } from './phone-number.js';

/** How a list's values are compared, which depends on the field a rule tests with it. */
type ValueKind = 'phone' | 'country' | 'text';

/**
 * The `lists:` of settings.yaml. A list is normalised the first time a rule uses it for a kind
 * of field (phone numbers to +E.164, country codes to upper case), once, and problems in its
 * values are reported once, at the value in settings.yaml.
 */
export class NamedLists {
  private readonly compiled = new Map<string, ReadonlySet<string>>();

  constructor(
    private readonly lists: NonNullable<Settings['lists']>,
    private readonly parsed: ParsedFile | undefined,
    private readonly diagnostics: Diagnostic[],
    private readonly policy: PhonePolicy = {},
  ) {}

  static empty(diagnostics: Diagnostic[]): NamedLists {
    return new NamedLists({}, undefined, diagnostics);
  }

  names(): string[] {
    return Object.keys(this.lists);
  }

  has(name: string): boolean {
    return Object.hasOwn(this.lists, name);
  }

  /** The values of list `name` as `field` compares them; undefined when there is no such list. */
  values(name: string, field: MatchField): ReadonlySet<string> | undefined {
    const raw = Object.hasOwn(this.lists, name) ? this.lists[name] : undefined;
    if (!raw) return undefined;
    const kind: ValueKind = PHONE_FIELDS.has(field) ? 'phone' : COUNTRY_FIELDS.has(field) ? 'country' : 'text';
    const key = `${kind}\u0000${name}`;
    let set = this.compiled.get(key);
    if (!set) {
      set = new Set(raw.map((v, i) => this.normalize(kind, String(v), ['lists', name, i])));
      this.compiled.set(key, set);
    }
    return set;
  }

  /** "unknown list `vip-numbrs`; did you mean `vip-numbers`?" */
  unknownMessage(name: string): string {
    const names = this.names();
    const hint = didYouMean(name, names);
    if (hint) return `unknown list \`${name}\`${hint}`;
    return names.length === 0 ? `unknown list \`${name}\`: define it under \`lists:\` in settings.yaml` : `unknown list \`${name}\`; lists in settings.yaml: ${names.join(', ')}`;
  }

  private normalize(kind: ValueKind, text: string, path: YamlPath): string {
    if (kind === 'country') {
      if (!/^[A-Za-z]{2}$/.test(text) && this.parsed) {
        const message = `"${text}" is not a country code: 8x8 sends two letters (ISO 3166), like SG, MY or US (list \`${String(path[1])}\` is used for countries)`;
        this.diagnostics.push(error('bad-country-code', message, { file: this.parsed.file, ...this.parsed.locate(path) }));
      }
      return text.toUpperCase();
    }
    if (kind === 'text') return text;
    const parsed = checkPhoneNumber(text, this.policy);
    const where = this.parsed ? { file: this.parsed.file, ...this.parsed.locate(path) } : undefined;
    const used = ` (list \`${String(path[1])}\` is used for phone numbers)`;
    if (!parsed.ok) {
      if (where) this.diagnostics.push(error('bad-phone-number', `${parsed.message}${used}`, where));
      return text;
    }
    if (parsed.warning && where) this.diagnostics.push(warning('unknown-number-range', `${parsed.warning}${used}`, where));
    return parsed.e164;
  }
}

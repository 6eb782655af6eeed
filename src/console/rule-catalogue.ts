import type { Rule, RuleSet } from '../engine/rule-set.js';

/** A virtual number some rule is written for, as the author wrote it. */
export interface VirtualNumber {
  value: string;
  field: 'destinationRefId' | 'destination';
}

/** What the console's walks over every rule need of one rule: a few strings, not the rule. */
export interface RuleEntry {
  order: number;
  id: string;
  file: string;
  /** The time zones of its time conditions. */
  zones: readonly string[];
  /** The exact numbers and ref ids it tests the called number against (empty: it does not test it). */
  numbers: readonly VirtualNumber[];
}

export interface RuleCatalogue {
  entries: readonly RuleEntry[];
}

const NONE: readonly never[] = Object.freeze([]);
/** How long one slice of the walk may hold the thread that answers calls. */
const SLICE_MS = 4;

const catalogues = new WeakMap<RuleSet, Promise<RuleCatalogue>>();

/**
 * The catalogue of a rule set, built once per rule set. A reloaded set is packed and makes each
 * rule from bytes when asked (tens of µs each), so a walk over 100k rules takes seconds: it runs
 * in slices of a few ms with the event loop free in between, so calls keep being answered while
 * a console page waits for it.
 */
export function catalogueOf(ruleSet: RuleSet): Promise<RuleCatalogue> {
  let built = catalogues.get(ruleSet);
  if (!built) {
    built = buildCatalogue(ruleSet);
    catalogues.set(ruleSet, built);
  }
  return built;
}

async function buildCatalogue(ruleSet: RuleSet): Promise<RuleCatalogue> {
  const entries: RuleEntry[] = [];
  const { rules } = ruleSet;
  const count = rules.length;
  let sliceStart = performance.now();
  for (let order = 0; order < count; order++) {
    entries.push(entryOf(rules[order]!));
    if ((order & 63) === 63 && performance.now() - sliceStart > SLICE_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    }
  }
  return { entries };
}

function entryOf(rule: Rule): RuleEntry {
  let zones: string[] | undefined;
  let numbers: VirtualNumber[] | undefined;
  for (const c of rule.conditions) {
    if (c.kind === 'time') {
      for (const w of c.windows) {
        zones ??= [];
        if (!zones.includes(w.clock.timezone)) zones.push(w.clock.timezone);
      }
    }
    if (c.kind !== 'field' || (c.field !== 'destinationRefId' && c.field !== 'destination')) continue;
    const values = Array.isArray(c.source) ? c.source : [c.source];
    for (const v of values) if (typeof v === 'string') (numbers ??= []).push({ value: v, field: c.field });
  }
  return { order: rule.order, id: rule.id, file: rule.file, zones: zones ?? NONE, numbers: numbers ?? NONE };
}

/** Every exact destination or destinationRefId the rules test, in rule order, once each. */
export function virtualNumbers(catalogue: RuleCatalogue): VirtualNumber[] {
  const seen = new Map<string, VirtualNumber>();
  for (const e of catalogue.entries) for (const n of e.numbers) if (!seen.has(n.value)) seen.set(n.value, n);
  return [...seen.values()];
}

/** The rules that could answer calls to `number`: those testing it and those not testing the called number at all. */
export function entriesFor(catalogue: RuleCatalogue, number: VirtualNumber): RuleEntry[] {
  return catalogue.entries.filter((e) => e.numbers.length === 0 || e.numbers.some((n) => n.value === number.value));
}

/** The time zone the number's rules are written in: the first one found, else UTC. */
export function timezoneFor(catalogue: RuleCatalogue, number: VirtualNumber | undefined): string {
  const first = (entries: readonly RuleEntry[]) => entries.find((e) => e.zones.length > 0)?.zones[0];
  return (number && first(entriesFor(catalogue, number))) ?? first(catalogue.entries) ?? 'UTC';
}

/** Every time zone the rules are written in, in rule order. */
export function timezonesOf(catalogue: RuleCatalogue): string[] {
  return [...new Set(catalogue.entries.flatMap((e) => e.zones))];
}

/** The rule files in evaluation order, each with its rules' entries. */
export function filesOf(catalogue: RuleCatalogue): { file: string; entries: RuleEntry[] }[] {
  const files: { file: string; entries: RuleEntry[] }[] = [];
  for (const e of catalogue.entries) {
    const last = files.at(-1);
    if (last && last.file === e.file) last.entries.push(e);
    else files.push({ file: e.file, entries: [e] });
  }
  return files;
}

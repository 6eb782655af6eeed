import type { Facts } from './event-facts.js';
import { INDEX_FIELDS, type MatchField, type Rule } from './rule-set.js';

/**
 * A candidate list this long is split once more, by each rule's next exact condition: 10,000
 * rules for one destinationRefId, each for another caller, made every call to that number try
 * all 10,000 (0.8–1 ms here when none matched). Shorter lists are cheaper to try than to split.
 */
export const NARROW_AT = 256;

/** A long candidate list split by a second exact field: each part in rule order. */
export interface NarrowedList {
  /** Rules with no exact condition on another index field: every call tries them. */
  rest: readonly Rule[];
  /** Per other index field, the rules filed under each of its values. */
  byField: readonly { field: MatchField; byValue: ReadonlyMap<string, readonly Rule[]> }[];
}

/** The values a rule's exact condition on `field` accepts (undefined: no such condition). */
export function exactValuesOn(rule: Rule, field: MatchField): ReadonlySet<string> | undefined {
  for (const c of rule.conditions) {
    if (c.kind === 'field' && c.field === field && c.matcher.kind === 'exact') return c.matcher.values;
  }
  return undefined;
}

// By list: an index hands out the same array for a key while its rule set serves.
const narrowed = new WeakMap<readonly Rule[], NarrowedList>();

/** `list` (filed under `field`) split by each rule's first exact condition on another index field; made once per list. */
export function narrowedOf(list: readonly Rule[], field: MatchField): NarrowedList {
  let n = narrowed.get(list);
  if (!n) narrowed.set(list, (n = narrow(list, field)));
  return n;
}

function narrow(list: readonly Rule[], field: MatchField): NarrowedList {
  const rest: Rule[] = [];
  const byField = new Map<MatchField, Map<string, Rule[]>>();
  for (const rule of list) {
    let filed = false;
    for (const other of INDEX_FIELDS) {
      if (other === field) continue;
      const values = exactValuesOn(rule, other);
      if (!values) continue;
      let byValue = byField.get(other);
      if (!byValue) byField.set(other, (byValue = new Map()));
      for (const v of values) {
        const rules = byValue.get(v);
        if (rules) rules.push(rule);
        else byValue.set(v, [rule]);
      }
      filed = true;
      break;
    }
    if (!filed) rest.push(rule);
  }
  return { rest, byField: [...byField].map(([f, byValue]) => ({ field: f, byValue })) };
}

/** The parts of a narrowed list a call with these facts can match, each in rule order. */
export function partsFor(n: NarrowedList, facts: Facts, visit: (rules: readonly Rule[]) => void): void {
  visit(n.rest);
  for (const { field, byValue } of n.byField) {
    const value = facts[field];
    if (value === undefined) continue;
    const rules = byValue.get(value);
    if (rules) visit(rules);
  }
}

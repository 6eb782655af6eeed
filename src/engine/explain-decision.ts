import type { CallActionPayload } from '../types/generated/call-action.js';
import { decide, type Decision, type DecideOptions } from './decide.js';
import { eventFacts } from './event-facts.js';
import { applyRule, callContext, candidateRules, firstFailedCondition } from './match-event.js';
import type { Rule, RuleSet } from './rule-set.js';
import { localTime } from './time-window.js';
import { chooseBranch } from './split.js';

/** Why one rule did not take the call: the first of its conditions the call does not meet. */
export interface SkippedRule {
  rule: Rule;
  field: string;
  /** The call's value as rules compare it (normalised), or undefined when the call has none. */
  actual: string | undefined;
  /** The condition as the author wrote it, in words: `"SG"`, `starting with "+659"`. */
  wanted: string;
  /** `sg-support: sourceCountryCode is "MY", wanted "SG"` */
  text: string;
}

export interface Explanation {
  decision: Decision;
  /** Every rule tried before the one that answered (all rules when none did), in order. */
  skipped: SkippedRule[];
}

/** The decision plus, for each rule before the winner, the condition that ruled it out. Pure. */
export function explainDecision(ruleSet: RuleSet, payload: CallActionPayload, options: DecideOptions = {}): Explanation {
  return explainOver(ruleSet.rules, ruleSet, payload, options).explanation;
}

/**
 * The same, over only the rules the index hands this call (`candidateRules`): rules written for
 * other numbers are left out, so a big rule set is explained in the time of a few rules. The
 * decision, and so the winner, is the same as `explainDecision`'s; `leftOut` counts the rules
 * before the winner that were not looked at.
 */
export function explainCandidates(ruleSet: RuleSet, payload: CallActionPayload, options: DecideOptions = {}): { explanation: Explanation; winner: Rule | undefined; leftOut: number } {
  const rules = candidateRules(ruleSet, eventFacts(payload));
  const { explanation, winner } = explainOver(rules, ruleSet, payload, options);
  // Rules before the winner (all rules when none answers) that were not looked at.
  const end = winner ? winner.order : ruleSet.rules.length;
  const looked = rules.filter((r) => r.order < end).length;
  return { explanation, winner, leftOut: end - looked };
}

function explainOver(rules: readonly Rule[], ruleSet: RuleSet, payload: CallActionPayload, options: DecideOptions): { explanation: Explanation; winner: Rule | undefined } {
  const decision = decide(ruleSet, payload, options);
  const winner = decision.ruleId === undefined ? undefined : rules.find((r) => r.id === decision.ruleId);
  const skipped: SkippedRule[] = [];
  for (const rule of rules) {
    if (winner && rule.order >= winner.order) break;
    const why = whyNot(rule, ruleSet, payload, options);
    // A menu's rules wait for a step of that menu: for any other call they are noise, not reasons.
    if (why && !(rule.menu && why.field === 'clientActionId')) skipped.push(why);
  }
  return { explanation: { decision, skipped }, winner };
}

/** Why `rule` does not answer this call, or undefined when it does. */
export function whyNot(rule: Rule, ruleSet: RuleSet, payload: CallActionPayload, options: DecideOptions = {}): SkippedRule | undefined {
  const facts = eventFacts(payload);
  const now = options.now ?? new Date();
  const failed = firstFailedCondition(rule, facts, now, options.sessions);
  if (!failed) {
    if (applyRule(rule, callContext(facts, { now, sessionId: payload.sessionId, ...(options.sessions ? { sessions: options.sessions } : {}) }), ruleSet)) return undefined;
    const text = `${rule.id}: the caller has no open masking session or pair on this number, and the rule has no \`else\``;
    return { rule, field: 'pair', actual: facts.source, wanted: 'a masking pair', text };
  }
  if (failed.kind === 'time') {
    const clock = failed.windows[0]?.clock;
    const local = clock ? localTime(clock, now) : undefined;
    const actual = local && clock ? `${DAY_NAMES[local.weekday]} ${local.date} ${hhmm(local.minutes)} ${clock.timezone} time` : now.toISOString();
    const wanted = describeTime(failed.source);
    return { rule, field: 'time', actual, wanted, text: `${rule.id}: the call came at ${actual}, wanted ${wanted}` };
  }
  const actual = facts[failed.field];
  if (failed.kind === 'pin') {
    const wanted = 'the PIN of an open session on the called number';
    const is = actual === undefined ? 'is missing' : `is ${JSON.stringify(actual)}`;
    return { rule, field: 'dtmf', actual, wanted, text: `${rule.id}: dtmf ${is}, wanted ${wanted}` };
  }
  const wanted = failed.matcher.kind === 'exact' && failed.matcher.lists ? describeLists(failed.matcher.lists, failed.matcher.values.size, failed.field) : describeSource(failed.source);
  const is = actual === undefined ? 'is missing' : `is ${JSON.stringify(actual)}`;
  return { rule, field: failed.field, actual, wanted, text: `${rule.id}: ${failed.field} ${is}, wanted ${wanted}` };
}

const DAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
const hhmm = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

/** `in: vip-numbers` → `a number on the list vip-numbers (2 numbers)`. */
function describeLists(lists: readonly string[], size: number, field: string): string {
  const names = lists.map((l) => `\`${l}\``).join(' or ');
  const what = field === 'source' || field === 'destination' ? 'number' : 'value';
  return `a ${what} on the list${lists.length === 1 ? '' : 's'} ${names} (${size} ${what}${size === 1 ? '' : 's'})`;
}

/** A `time:` condition in the author's words and in the rule's own timezone: `mon-fri 09:00-18:00, except on sg-holidays (Asia/Singapore)`. */
function describeTime(source: unknown): string {
  const windows = (Array.isArray(source) ? source : [source]) as Record<string, unknown>[];
  return windows.map(describeWindow).join('; or ');
}

function describeWindow(w: Record<string, unknown>): string {
  const words = (v: unknown) => (Array.isArray(v) ? v.map(String).join(', ') : String(v));
  const parts = [
    w.days !== undefined ? words(w.days) : undefined,
    w.hours !== undefined ? words(w.hours) : undefined,
    w.dates !== undefined ? `on ${words(w.dates)}` : undefined,
    w.calendar !== undefined ? `on a day of ${words(w.calendar)}` : undefined,
  ].filter((p): p is string => p !== undefined);
  const when = parts.length > 0 ? parts.join(' ') : 'any time';
  const except = w.except !== undefined ? `, except on ${words(w.except)}` : '';
  return `${when}${except} (${String(w.timezone)})`;
}

/** A `when:` value in words, from what the author wrote (so `sg` stays `sg`). */
export function describeSource(source: unknown): string {
  if (typeof source === 'string' || typeof source === 'number') return JSON.stringify(String(source));
  if (Array.isArray(source)) return source.length === 1 ? describeSource(source[0]) : `one of ${source.map(describeSource).join(', ')}`;
  if (source && typeof source === 'object') {
    const op = source as Record<string, unknown>;
    // Conditions a menu compiled (src/rules/compile-menus.ts) carry their meaning in words.
    if (typeof op.words === 'string') return op.words;
    if ('prefix' in op) {
      const list = Array.isArray(op.prefix) ? op.prefix : [op.prefix];
      return `starting with ${list.map(describeSource).join(' or ')}`;
    }
    if ('in' in op) {
      const names = Array.isArray(op.in) ? op.in : [op.in];
      return `on the list ${names.map(describeSource).join(' or ')}`;
    }
    if ('regex' in op) return `matching /${String(op.regex)}/`;
    if ('not' in op) return `not ${describeSource(op.not)}`;
    if ('in' in op) return `a value on the list ${(Array.isArray(op.in) ? op.in : [op.in]).map((l) => `\`${String(l)}\``).join(' or ')}`;
  }
  // A condition kind this module does not know yet: show it as written.
  return JSON.stringify(source);
}

/**
 * Which branch each split of `rule` gives this session, in words: the branch depends only on the
 * session id, so a test pins it by choosing `sessionId`.
 */
export function describeSplits(rule: Rule, sessionId: string): string[] {
  const out: string[] = [];
  const walk = (actions: Rule['actions']) => {
    for (const a of actions) {
      if (a.action !== 'split') continue;
      const i = chooseBranch(a, sessionId);
      const branch = a.branches[i]!;
      out.push(`the split in ${rule.id} sends session "${sessionId}" to branch ${i + 1} of ${a.branches.length} (weight ${branch.weight} of ${a.totalWeight}); another sessionId may take another branch`);
      walk(branch.actions);
    }
  };
  walk(rule.elseActions && rule.actions.length === 0 ? rule.elseActions : rule.actions);
  return out;
}

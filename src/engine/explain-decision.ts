import type { CallActionPayload } from '../types/generated/call-action.js';
import { decide, type Decision, type DecideOptions } from './decide.js';
import { eventFacts } from './event-facts.js';
import { applyRule, callContext, firstFailedCondition } from './match-event.js';
import type { Rule, RuleSet } from './rule-set.js';

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
  const decision = decide(ruleSet, payload, options);
  const winner = decision.ruleId === undefined ? undefined : ruleSet.rules.find((r) => r.id === decision.ruleId);
  const skipped: SkippedRule[] = [];
  for (const rule of ruleSet.rules) {
    if (winner && rule.order >= winner.order) break;
    const why = whyNot(rule, ruleSet, payload, options);
    // A menu's rules wait for a step of that menu: for any other call they are noise, not reasons.
    if (why && !(rule.menu && why.field === 'clientActionId')) skipped.push(why);
  }
  return { decision, skipped };
}

/** Why `rule` does not answer this call, or undefined when it does. */
export function whyNot(rule: Rule, ruleSet: RuleSet, payload: CallActionPayload, options: DecideOptions = {}): SkippedRule | undefined {
  const facts = eventFacts(payload);
  const now = options.now ?? new Date();
  const failed = firstFailedCondition(rule, facts, now);
  if (!failed) {
    if (applyRule(rule, callContext(facts, { now, sessionId: payload.sessionId, ...(options.sessions ? { sessions: options.sessions } : {}) }), ruleSet)) return undefined;
    const text = `${rule.id}: the caller has no open masking session or pair on this number, and the rule has no \`else\``;
    return { rule, field: 'pair', actual: facts.source, wanted: 'a masking pair', text };
  }
  const actual = failed.kind === 'field' ? facts[failed.field] : now.toISOString();
  const wanted = failed.kind === 'field' ? describeSource(failed.source) : `within ${describeSource(failed.source)}`;
  const is = actual === undefined ? 'is missing' : `is ${JSON.stringify(actual)}`;
  return { rule, field: failed.field, actual, wanted, text: `${rule.id}: ${failed.field} ${is}, wanted ${wanted}` };
}

/** A `when:` value in words, from what the author wrote (so `sg` stays `sg`). */
export function describeSource(source: unknown): string {
  if (typeof source === 'string' || typeof source === 'number') return JSON.stringify(String(source));
  if (Array.isArray(source)) return source.length === 1 ? describeSource(source[0]) : `one of ${source.map(describeSource).join(', ')}`;
  if (source && typeof source === 'object') {
    const op = source as Record<string, unknown>;
    // Conditions a menu compiled (src/menus) carry their meaning in words.
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
  }
  // A condition kind this module does not know yet: show it as written.
  return JSON.stringify(source);
}

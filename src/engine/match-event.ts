import type { Facts } from './event-facts.js';
import { NARROW_AT, narrowedOf, partsFor } from './narrow-candidates.js';
import { findPair } from './pair-index.js';
import { INDEX_FIELDS, type Condition, type Matcher, type Rule, type RuleSet, type Step } from './rule-set.js';
import { chooseSteps } from './split.js';
import { inTimeWindow, localTime, type LocalTime, type ZonedClock } from './time-window.js';
import type { SessionByPin, SessionLookup } from './session-lookup.js';

/** What matching needs to know about one call besides its fields: the session (for splits) and the clock. */
export interface CallContext {
  facts: Facts;
  sessionId: string;
  now: Date;
  /** Local times already worked out for this call, by timezone (made on first use). */
  localTimes?: Map<string, LocalTime>;
  /** Live masking sessions, asked before the CSV pairs. */
  sessions?: SessionLookup;
  /** The session whose PIN the caller typed, once looked up (null: none). */
  pinSession?: SessionByPin | null;
}

export function callContext(facts: Facts, options: { now?: Date; sessionId?: string; sessions?: SessionLookup } = {}): CallContext {
  return { facts, sessionId: options.sessionId ?? '', now: options.now ?? new Date(), ...(options.sessions ? { sessions: options.sessions } : {}) };
}

/** The rule that answers a call and the steps it answers with. */
export interface Match {
  rule: Rule;
  /** `then` (with splits decided) or, when the caller has no pair, `else`. */
  branch: 'then' | 'else';
  steps: readonly Step[];
  /** The other party of the caller's masking pair, when the steps call them. */
  peer?: string;
  /** The live session that gave the peer (absent when a CSV pair did). */
  session?: { id: string; record?: boolean };
}

export function testMatcher(matcher: Matcher, value: string | undefined): boolean {
  switch (matcher.kind) {
    case 'exact':
      return value !== undefined && matcher.values.has(value);
    case 'prefix':
      return value !== undefined && matcher.prefixes.some((p) => value.startsWith(p));
    case 'regex':
      return value !== undefined && matcher.regex.test(value);
    case 'not':
      return !testMatcher(matcher.inner, value);
    case 'anyOf':
      return matcher.options.some((m) => testMatcher(m, value));
  }
}

function localTimeOf(call: CallContext, clock: ZonedClock): LocalTime {
  call.localTimes ??= new Map();
  let local = call.localTimes.get(clock.timezone);
  if (!local) call.localTimes.set(clock.timezone, (local = localTime(clock, call.now)));
  return local;
}

/**
 * The open session on the called number whose PIN the caller typed, looked up once per call. A
 * wrong PIN and the PIN of an ended session both come back as none, so they are answered alike.
 */
function pinSession(call: CallContext): SessionByPin | undefined {
  if (call.pinSession === undefined) {
    const keys = call.facts.dtmf?.replace(/#$/, '');
    const number = call.facts.destination;
    call.pinSession = (keys && number && call.sessions?.byPin(number, keys, call.now.getTime())) || null;
  }
  return call.pinSession ?? undefined;
}

function conditionHolds(condition: Condition, call: CallContext): boolean {
  switch (condition.kind) {
    case 'field':
      return testMatcher(condition.matcher, call.facts[condition.field]);
    case 'time':
      return condition.windows.some((w) => inTimeWindow(w, localTimeOf(call, w.clock)));
    case 'pin':
      return pinSession(call) !== undefined;
  }
}

/** The first condition of `rule` that the call does not meet, or undefined when all are met. */
export function firstFailedCondition(rule: Rule, facts: Facts, now: Date = new Date(), sessions?: SessionLookup): Condition | undefined {
  const call = callContext(facts, { now, ...(sessions ? { sessions } : {}) });
  return rule.conditions.find((c) => !conditionHolds(c, call));
}

/**
 * How `rule` answers the call, or undefined when it does not: a condition fails, or its `then`
 * calls the other party, the caller has no current pair, and the rule has no `else`.
 */
export function applyRule(rule: Rule, call: CallContext, ruleSet: RuleSet): Match | undefined {
  for (const c of rule.conditions) if (!conditionHolds(c, call)) return undefined;
  const steps = chooseSteps(rule.actions, call.sessionId);
  if (!rule.needsPair || !steps.some((s) => s.action === 'callOtherParty')) return { rule, branch: 'then', steps };
  if (rule.pinParty !== undefined) {
    const pinned = pinSession(call);
    if (!pinned) return undefined;
    const session = { id: pinned.sessionId, ...(pinned.record === undefined ? {} : { record: pinned.record }) };
    return { rule, branch: 'then', steps, peer: pinned.parties[rule.pinParty], session };
  }
  const live = call.sessions && call.facts.source !== undefined && call.facts.destination !== undefined ? call.sessions.otherParty(call.facts.source, call.facts.destination, call.now.getTime()) : undefined;
  if (live) {
    const session = { id: live.sessionId, ...(live.record === undefined ? {} : { record: live.record }) };
    return { rule, branch: 'then', steps, peer: live.peer, session };
  }
  const pair = ruleSet.pairs && findPair(ruleSet.pairs, call.facts, call.now);
  if (pair) return { rule, branch: 'then', steps, peer: pair.peer };
  if (rule.elseActions) return { rule, branch: 'else', steps: chooseSteps(rule.elseActions, call.sessionId) };
  return undefined;
}

/**
 * The first rule, in rule-set order, that answers the call. Candidates come from the
 * exact-value index (a long list split once more, narrow-candidates.ts) plus the unindexed
 * rules; each list is in order, so we stop a list as soon as it can no longer beat the best
 * match found so far.
 */
export function matchCall(ruleSet: RuleSet, call: CallContext): Match | undefined {
  let best: Match | undefined;
  const consider = (candidates: readonly Rule[]): void => {
    for (const rule of candidates) {
      if (best && rule.order >= best.rule.order) return;
      const match = applyRule(rule, call, ruleSet);
      if (match) {
        best = match;
        return;
      }
    }
  };
  for (const field of INDEX_FIELDS) {
    const value = call.facts[field];
    if (value === undefined) continue;
    const candidates = ruleSet.index.candidates(field, value);
    if (!candidates) continue;
    if (candidates.length > NARROW_AT) partsFor(narrowedOf(candidates, field), call.facts, consider);
    else consider(candidates);
  }
  consider(ruleSet.index.unindexed);
  return best;
}

/**
 * Every rule that `matchCall` could try for a call with these facts, in order: the index's
 * candidates for each of the call's values plus the unindexed rules. The others test an index
 * field against another value, so they can never answer it.
 */
export function candidateRules(ruleSet: RuleSet, facts: Facts): Rule[] {
  const byOrder = new Map<number, Rule>();
  for (const field of INDEX_FIELDS) {
    const value = facts[field];
    if (value === undefined) continue;
    for (const rule of ruleSet.index.candidates(field, value) ?? []) byOrder.set(rule.order, rule);
  }
  for (const rule of ruleSet.index.unindexed) byOrder.set(rule.order, rule);
  return [...byOrder.values()].sort((a, b) => a.order - b.order);
}

import { decide } from '../engine/decide.js';
import type { RuleSet } from '../engine/rule-set.js';
import type { CallflowAction } from '../types/generated/callflow.js';
import { callflowLines } from './callflow-lines.js';
import { FALLBACK_RULE, payloadFor, type RuleTest } from './parse-rule-tests.js';
import { fixedSessions } from '../sessions/fixed-sessions.js';
import { sampleCalls, type SampleCall } from './sample-calls.js';

interface Routing {
  rule: string;
  callflow: CallflowAction[];
}

interface RoutingChange {
  call: SampleCall;
  before: Routing;
  after: Routing;
}

export interface Comparison {
  /** How many distinct calls were replayed. */
  calls: number;
  changes: RoutingChange[];
}

/** The calls to replay: every test's call, then a sample covering each rule of either set; duplicates once. */
export function callsToReplay(tests: readonly RuleTest[], before: RuleSet, after: RuleSet): SampleCall[] {
  const all: SampleCall[] = [...tests.map((t): SampleCall => ({ label: `test "${t.name}" (${t.file}:${t.line})`, call: t.call, ...(t.at ? { at: t.at } : {}) })), ...sampleCalls(after), ...sampleCalls(before)];
  const seen = new Set<string>();
  return all.filter((c) => {
    const key = JSON.stringify([Object.entries(c.call).sort(), c.at?.toISOString(), c.sessions]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function route(ruleSet: RuleSet, call: SampleCall, now: Date): Routing {
  const payload = payloadFor(call.call, now);
  const decision = decide(ruleSet, payload, { now, ...(call.sessions ? { sessions: fixedSessions(call.sessions) } : {}) });
  return { rule: decision.outcome === 'matched' ? decision.ruleId : FALLBACK_RULE, callflow: decision.response.callflow };
}

/** Replays the calls against both rule sets at one instant and keeps those that route differently. Pure. */
export function compareRuleSets(before: RuleSet, after: RuleSet, calls: readonly SampleCall[], now: Date): Comparison {
  const changes: RoutingChange[] = [];
  for (const call of calls) {
    const at = call.at ?? now;
    const a = route(before, call, at);
    const b = route(after, call, at);
    if (a.rule !== b.rule || JSON.stringify(a.callflow) !== JSON.stringify(b.callflow)) changes.push({ call, before: a, after: b });
  }
  return { calls: calls.length, changes };
}

/** The report a reviewer reads: each changed call, then how it went before and how it goes now. */
export function formatComparison(comparison: Comparison, oldName: string): string {
  const { calls, changes } = comparison;
  if (changes.length === 0) return `compare with ${oldName}: all ${calls} calls route as before\n`;
  const lines = [`compare with ${oldName}: ${changes.length} of ${calls} calls route differently`];
  for (const c of changes) {
    const fields =
      Object.entries(c.call.call)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ') || '(all defaults)';
    lines.push('', `call ${fields}${c.call.at ? ` at ${c.call.at.toISOString()}` : ''}  — ${c.call.label}`);
    lines.push(`  before: rule ${c.before.rule}`, ...callflowLines(c.before.callflow).map((l) => `    - ${l}`));
    lines.push(`  after:  rule ${c.after.rule}`, ...callflowLines(c.after.callflow).map((l) => `    - ${l}`));
  }
  return `${lines.join('\n')}\n`;
}

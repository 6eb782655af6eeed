import { error, type Diagnostic } from '../diagnostics/diagnostic.js';
import { decide, type Decision } from '../engine/decide.js';
import type { CallActionPayload } from '../types/generated/call-action.js';
import { whyNot } from '../engine/explain-decision.js';
import { RenderError, renderCallflow } from '../engine/render-callflow.js';
import type { RuleSet } from '../engine/rule-set.js';
import { didYouMean } from '../text/suggest.js';
import type { CallflowAction } from '../types/generated/callflow.js';
import { callflowLines } from './callflow-lines.js';
import { diffLines, renderDiff } from './line-diff.js';
import { ANY_VOICE, FALLBACK_RULE, payloadFor, type RuleTest } from './parse-rule-tests.js';
import { fixedSessions } from '../sessions/fixed-sessions.js';
import type { SessionLookup } from '../engine/session-lookup.js';

export interface RunOptions {
  /** The clock for tests that do not pin their own `at` (`--at`); default: now. */
  now?: Date;
}

export interface RunResult {
  passed: number;
  failed: number;
  /** One error per failed test, with the expected-vs-actual diff in `detail`. */
  diagnostics: Diagnostic[];
}

/** Runs every test through the same `decide` the server uses. Pure: file names stay as given. */
export function runRuleTests(ruleSet: RuleSet, tests: readonly RuleTest[], options: RunOptions = {}): RunResult {
  const ids = ruleSet.rules.map((r) => r.id);
  const known = new Set(ids);
  const diagnostics: Diagnostic[] = [];
  let passed = 0;
  for (const test of tests) {
    const problem = known.has(test.expect.rule) || test.expect.rule === FALLBACK_RULE ? runOne(ruleSet, test, options) : unknownRule(test, ids);
    if (problem) diagnostics.push(problem);
    else passed++;
  }
  return { passed, failed: tests.length - passed, diagnostics };
}

function unknownRule(test: RuleTest, ids: readonly string[]): Diagnostic {
  const hint = didYouMean(test.expect.rule, ids) || `; write one of the rule ids, or \`${FALLBACK_RULE}\` when no rule should answer`;
  return error('unknown-rule', `test "${test.name}" expects rule \`${test.expect.rule}\`, but no rule has that id${hint}`, { file: test.file, ...test.ruleAt });
}

function runOne(ruleSet: RuleSet, test: RuleTest, options: RunOptions): Diagnostic | undefined {
  const now = test.at ?? options.now ?? new Date();
  const payload = payloadFor(test.call, now);
  const sessions = test.sessions.length > 0 ? fixedSessions(test.sessions) : undefined;
  const decision = decide(ruleSet, payload, { now, ...(sessions ? { sessions } : {}) });
  const actualRule = decision.outcome === 'matched' ? decision.ruleId : FALLBACK_RULE;
  const where = { file: test.file, line: test.line, col: test.col };

  let expectedFlow: CallflowAction[] | undefined;
  if (test.expect.callflow) {
    try {
      expectedFlow = withVoicesOf(renderCallflow(test.expect.callflow, payload), decision.response.callflow);
    } catch (e) {
      if (!(e instanceof RenderError)) throw e;
      return error('rule-test-failed', `test "${test.name}": the expected callflow cannot be made for this call: ${e.message}`, where);
    }
  }
  const expected = [`rule: ${test.expect.rule}`, ...(expectedFlow ? ['callflow:', ...callflowLines(expectedFlow).map((l) => `  - ${l}`)] : [])];
  const actual = [`rule: ${actualRule}`, ...(expectedFlow ? ['callflow:', ...callflowLines(decision.response.callflow).map((l) => `  - ${l}`)] : [])];
  if (expected.join('\n') === actual.join('\n')) return undefined;

  const headline =
    actualRule === test.expect.rule
      ? `test "${test.name}" failed: rule ${actualRule} answered, but with a different callflow`
      : `test "${test.name}" failed: expected rule ${test.expect.rule}, got ${actualRule}`;
  const detail = [`call: ${describeCall(test.call)}${test.at || options.now ? ` at ${now.toISOString()}` : ''}`, '--- expected', '+++ actual', renderDiff(diffLines(expected, actual))];
  if (actualRule !== test.expect.rule) detail.push(whyNotExpected(ruleSet, test.expect.rule, decision, payload, now, sessions));
  const note = fallbackNote(decision);
  if (note) detail.push(note);
  return { ...error('rule-test-failed', headline, where), detail: detail.join('\n') };
}

/** An expected say that names no voice takes the voice of the say the rule answered with. */
function withVoicesOf(expected: CallflowAction[], actual: readonly CallflowAction[]): CallflowAction[] {
  return expected.map((a, i) => {
    const other = actual[i];
    if (a.action !== 'say' || a.params.voiceProfile !== ANY_VOICE || other?.action !== 'say') return a;
    return { ...a, params: { ...a.params, voiceProfile: other.params.voiceProfile } };
  });
}

/** The reason the expected rule did not answer: a condition it wanted, or an earlier rule. */
function whyNotExpected(ruleSet: RuleSet, expectedId: string, decision: Decision, payload: CallActionPayload, now: Date, sessions: SessionLookup | undefined): string {
  const expected = ruleSet.rules.find((r) => r.id === expectedId);
  if (!expected) return `why: rule ${decision.ruleId ?? '?'} matches this call`;
  const why = whyNot(expected, ruleSet, payload, { now, ...(sessions ? { sessions } : {}) });
  if (why) return `why: ${why.text}`;
  return `why: ${expected.id} matches this call too, but ${decision.ruleId ?? 'an earlier rule'} comes first`;
}

function fallbackNote(decision: Decision): string | undefined {
  if (decision.outcome !== 'fallback') return undefined;
  return `(the fallback answered: ${decision.detail})`;
}

export function describeCall(call: Readonly<Record<string, string>>): string {
  const parts = Object.entries(call).map(([k, v]) => `${k}=${v}`);
  return parts.length > 0 ? parts.join(' ') : '(all defaults)';
}

import { error, type Diagnostic } from '../diagnostics/diagnostic.js';
import { decide, type Decision } from '../engine/decide.js';
import type { CallActionPayload } from '../types/generated/call-action.js';
import { describeSplits, whyNot } from '../engine/explain-decision.js';
import { RenderError, renderCallflow } from '../engine/render-callflow.js';
import type { RuleSet } from '../engine/rule-set.js';
import { didYouMean } from '../text/suggest.js';
import type { CallflowAction, CallflowResponse } from '../types/generated/callflow.js';
import { nextEvent, NOTHING } from '../events/next-event.js';
import { parseMenuState } from '../rules/menu-state.js';
import { callflowLines } from './callflow-lines.js';
import { diffLines, renderDiff } from './line-diff.js';
import { ANY_VOICE, FALLBACK_RULE, payloadFor, type AnswerChecks, type RuleTest, type TestStep } from './parse-rule-tests.js';
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
  const isKnown = (id: string) => known.has(id) || id === FALLBACK_RULE;
  for (const test of tests) {
    const unknownStep = test.steps?.find((s) => s.rule !== undefined && !isKnown(s.rule));
    const problem = !isKnown(test.expect.rule) ? unknownRule(test, ids) : unknownStep ? unknownStepRule(test, unknownStep, ids) : runOne(ruleSet, test, options);
    if (problem) diagnostics.push(problem);
    else passed++;
  }
  return { passed, failed: tests.length - passed, diagnostics };
}

function unknownRule(test: RuleTest, ids: readonly string[]): Diagnostic {
  const hint = didYouMean(test.expect.rule, ids) || `; write one of the rule ids, or \`${FALLBACK_RULE}\` when no rule should answer`;
  return error('unknown-rule', `test "${test.name}" expects rule \`${test.expect.rule}\`, but no rule has that id${hint}`, { file: test.file, ...test.ruleAt });
}

function unknownStepRule(test: RuleTest, step: TestStep, ids: readonly string[]): Diagnostic {
  const hint = didYouMean(step.rule!, ids) || `; write one of the rule ids (a menu's are named like main-press-1), or \`${FALLBACK_RULE}\``;
  return error('unknown-rule', `test "${test.name}" expects rule \`${step.rule}\` at a step, but no rule has that id${hint}`, { file: test.file, line: step.line, col: step.col });
}

function runOne(ruleSet: RuleSet, test: RuleTest, options: RunOptions): Diagnostic | undefined {
  const now = test.at ?? options.now ?? new Date();
  const payload = payloadFor(test.call, now);
  const sessions = test.sessions.length > 0 ? fixedSessions(test.sessions) : undefined;
  const decision = decide(ruleSet, payload, { now, ...(sessions ? { sessions } : {}) });
  const first = checkFirst(ruleSet, test, options, now, payload, decision, sessions);
  if (first) return first;
  const where = { file: test.file, line: test.line, col: test.col };
  const problems = answerProblems(test.expect, decision.response);
  if (problems.length > 0) return failedAnswer(`test "${test.name}" failed: ${problems[0]}`, problems, decision, where);
  return runSteps(ruleSet, test, now, payload, decision, sessions);
}

/** Each step: the caller's keys go in as 8x8's next event; the answer must pass the step's checks. */
function runSteps(ruleSet: RuleSet, test: RuleTest, now: Date, payload: CallActionPayload, decision: Decision, sessions: SessionLookup | undefined): Diagnostic | undefined {
  let previous = { payload, decision };
  for (const [j, step] of (test.steps ?? []).entries()) {
    const where = { file: test.file, line: step.line, col: step.col };
    const pressed = step.press === NOTHING ? 'the caller presses nothing' : `the caller presses ${step.press}`;
    const next = nextEvent(previous.payload, previous.decision.response, step.press, j + 2);
    if (!next.ok) return error('rule-test-failed', `test "${test.name}" step ${j + 1} (${pressed}): ${next.message}`, where);
    const answer = decide(ruleSet, next.payload, { now, ...(sessions ? { sessions } : {}) });
    const problems: string[] = [];
    const actualRule = answer.outcome === 'matched' ? answer.ruleId : FALLBACK_RULE;
    if (step.rule !== undefined && step.rule !== actualRule) problems.push(`expected rule ${step.rule}, got ${actualRule}`);
    if (step.callflow) {
      let expected: string[];
      try {
        expected = callflowLines(withVoicesOf(renderCallflow(step.callflow, next.payload), answer.response.callflow));
      } catch (e) {
        if (!(e instanceof RenderError)) throw e;
        return error('rule-test-failed', `test "${test.name}" step ${j + 1}: the expected callflow cannot be made for this call: ${e.message}`, where);
      }
      const actual = callflowLines(answer.response.callflow);
      if (expected.join('\n') !== actual.join('\n')) problems.push(`a different callflow:\n--- expected\n+++ actual\n${renderDiff(diffLines(expected, actual))}`);
    }
    problems.push(...answerProblems(step, answer.response));
    if (problems.length > 0) return failedAnswer(`test "${test.name}" failed at step ${j + 1} (${pressed}): ${problems[0]!.split('\n')[0]}`, problems, answer, where);
    previous = { payload: next.payload, decision: answer };
  }
  return undefined;
}

function failedAnswer(headline: string, problems: readonly string[], decision: Decision, where: { file: string; line: number; col: number }): Diagnostic {
  const rule = decision.outcome === 'matched' ? decision.ruleId : `${FALLBACK_RULE} (${decision.detail})`;
  const detail = [...problems, `answered by rule ${rule}, clientActionId ${decision.response.clientActionId ?? '(none)'}:`, ...callflowLines(decision.response.callflow).map((l) => `  - ${l}`)];
  return { ...error('rule-test-failed', headline, where), detail: detail.join('\n') };
}

/** The `hear`, `menu` and `reach` checks, as sentences about what went wrong. */
function answerProblems(checks: AnswerChecks, response: CallflowResponse): string[] {
  const problems: string[] = [];
  const spoken = response.callflow.flatMap((a) => (a.action === 'say' ? [a.params.text] : a.action === 'sayAndCapture' ? [a.params.promptMessage, a.params.successMessage ?? '', a.params.failureMessage ?? ''] : []));
  for (const words of checks.hear ?? []) if (!spoken.some((s) => s.includes(words))) problems.push(`the caller does not hear "${words}"`);
  if (checks.menu !== undefined) {
    const offered = parseMenuState(response.clientActionId)?.menu;
    if (offered !== checks.menu) problems.push(`expected menu ${checks.menu}, but the answer offers ${offered === undefined ? 'no menu' : `menu ${offered}`}`);
  }
  if (checks.reach !== undefined) {
    const called = response.callflow.flatMap((a) => (a.action === 'makeCall' ? [a.params.destination] : []));
    if (!called.includes(checks.reach)) problems.push(`the caller is not connected to ${checks.reach} (${called.length > 0 ? `the answer calls ${called.join(', ')}` : 'the answer calls no one'})`);
  }
  return problems;
}

function checkFirst(ruleSet: RuleSet, test: RuleTest, options: RunOptions, now: Date, payload: CallActionPayload, decision: Decision, sessions: SessionLookup | undefined): Diagnostic | undefined {
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
    actualRule === test.expect.rule ? `test "${test.name}" failed: rule ${actualRule} answered, but with a different callflow` : `test "${test.name}" failed: expected rule ${test.expect.rule}, got ${actualRule}`;
  const detail = [`call: ${describeCall(test.call)}${test.at || options.now ? ` at ${now.toISOString()}` : ''}`, '--- expected', '+++ actual', renderDiff(diffLines(expected, actual))];
  if (actualRule !== test.expect.rule) detail.push(whyNotExpected(ruleSet, test.expect.rule, decision, payload, now, sessions));
  else {
    const rule = ruleSet.rules.find((r) => r.id === actualRule);
    if (rule) detail.push(...describeSplits(rule, payload.sessionId).map((line) => `why: ${line}`));
  }
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
  // The expected rule took the call, but its callflow could not be made, so the fallback answered.
  if (decision.outcome === 'fallback' && decision.ruleId === expected.id)
    return `why: ${expected.id} matches this call, but ${decision.detail.replace(/^rule [^:]+: /, 'its callflow cannot be made: ')}; so the fallback answered`;
  const winner = ruleSet.rules.find((r) => r.id === decision.ruleId);
  if (!winner) return `why: ${expected.id} matches this call, but did not answer it`;
  return `why: ${expected.id} matches this call too, but ${winner.id} comes first`;
}

function fallbackNote(decision: Decision): string | undefined {
  if (decision.outcome !== 'fallback') return undefined;
  return `(the fallback answered: ${decision.detail})`;
}

function describeCall(call: Readonly<Record<string, string>>): string {
  const parts = Object.entries(call).map(([k, v]) => `${k}=${v}`);
  return parts.length > 0 ? parts.join(' ') : '(all defaults)';
}

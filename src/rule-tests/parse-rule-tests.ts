import { error, hasErrors, type Diagnostic } from '../diagnostics/diagnostic.js';
import { FALLBACK_ACTION_ID } from '../engine/decide.js';
import { makeCallActionPayload } from '../events/make-event.js';
import type { Action } from '../engine/rule-set.js';
import { compileActions } from '../rules/compile-actions.js';
import { explainSchemaErrors } from '../source/explain-schema-errors.js';
import { parseYaml, type ParsedFile, type SourceFile, type YamlPath } from '../source/parse-yaml.js';
import { checkPhoneNumber } from '../rules/phone-number.js';
import type { CallActionPayload } from '../types/generated/call-action.js';
import type { Actions } from '../types/generated/rules.js';
import type { TestCall } from '../types/generated/rule-tests.js';
import { validateRuleTestsFile } from './rule-tests-schema.js';
import type { FixedSession } from '../sessions/fixed-sessions.js';
import type { TestSession } from '../types/generated/rule-tests.js';

/** Stands for "whatever voice the rule uses" in an expected say that names no voiceProfile. */
export const ANY_VOICE = '\u0000any voice';

/** The `rule` a test expects when no rule should answer. */
export const FALLBACK_RULE = FALLBACK_ACTION_ID;

export interface RuleTest {
  name: string;
  file: string;
  line: number;
  col: number;
  /** Where `expect.rule` is written, for "no such rule" errors. */
  ruleAt: { line: number; col: number };
  /** The fields the author wrote, for messages. */
  call: Readonly<Record<string, string>>;
  /** Pinned by the test itself; else the runner's clock. */
  at?: Date;
  expect: { rule: string } & AnswerChecks;
  /** The caller's next keys, each with what the answer to them must be (a walk through menus). */
  steps?: readonly TestStep[];
  /** Live masking sessions open during the test (the file's and its own). */
  sessions: readonly FixedSession[];
}

/** What one answer must be; every check given must hold. */
export interface AnswerChecks {
  callflow?: readonly Action[];
  /** Words that must be part of what the caller hears. */
  hear?: readonly string[];
  /** The menu the answer offers. */
  menu?: string;
  /** A number a makeCall of the answer dials, +E.164. */
  reach?: string;
}

export interface TestStep extends AnswerChecks {
  /** Keys as pressed (`4711#`), or NOTHING. */
  press: string;
  rule?: string;
  line: number;
  col: number;
}

export interface ParsedRuleTests {
  tests: RuleTest[];
  diagnostics: Diagnostic[];
}

/** One tests file: YAML, schema, then the expected callflow compiled exactly as a rule's `then`. */
export function parseRuleTests(source: SourceFile): ParsedRuleTests {
  const parsed = parseYaml(source);
  const diagnostics = [...parsed.diagnostics];
  if (hasErrors(diagnostics)) return { tests: [], diagnostics };
  if (!validateRuleTestsFile(parsed.data)) {
    const errors = validateRuleTestsFile.errors ?? [];
    // `at` is the one format-checked field; ajv's "must match format" means nothing to an author.
    const badTimes = errors.filter((e) => e.keyword === 'format').map((e) => badTime(e.instancePath, parsed));
    return {
      tests: [],
      diagnostics: [
        ...diagnostics,
        ...badTimes,
        ...explainSchemaErrors(
          errors.filter((e) => e.keyword !== 'format'),
          parsed,
        ),
      ],
    };
  }
  const tests: RuleTest[] = [];
  const fileSessions = readSessions(parsed.data.sessions, ['sessions'], parsed, diagnostics);
  parsed.data.tests.forEach((raw, i) => {
    const path = ['tests', i] as const;
    const before = diagnostics.length;
    const sessions = [...fileSessions, ...readSessions(raw.sessions, [...path, 'sessions'], parsed, diagnostics)];
    const checks = answerChecks(raw.expect, [...path, 'expect'], parsed, diagnostics);
    const steps = raw.steps?.map((s, j): TestStep => {
      const at = [...path, 'steps', j] as const;
      return { press: String(s.press), ...(s.rule === undefined ? {} : { rule: s.rule }), ...parsed.locate(at), ...answerChecks(s, at, parsed, diagnostics) };
    });
    if (hasErrors(diagnostics.slice(before))) return;
    tests.push({
      name: raw.name,
      file: source.file,
      ...parsed.locate([...path]),
      ruleAt: parsed.locate([...path, 'expect', 'rule']),
      call: callFields(raw.call),
      ...(raw.at === undefined ? {} : { at: new Date(raw.at) }),
      expect: { rule: raw.expect.rule, ...checks },
      ...(steps ? { steps } : {}),
      sessions,
    });
  });
  return { tests, diagnostics };
}

/** `sessions:` with their numbers normalised like the rules' (problems at file:line:col). */
function readSessions(raw: TestSession[] | undefined, at: readonly (string | number)[], parsed: ParsedFile, diagnostics: Diagnostic[]): FixedSession[] {
  const out: FixedSession[] = [];
  (raw ?? []).forEach((s, i) => {
    const number = (value: string | number, path: readonly (string | number)[]) => {
      const phone = checkPhoneNumber(String(value));
      if (!phone.ok) diagnostics.push(error('bad-phone-number', phone.message, { file: parsed.file, ...parsed.locate([...at, i, ...path]) }));
      return phone.ok ? phone.e164 : undefined;
    };
    const a = number(s.parties[0]!, ['parties', 0]);
    const b = number(s.parties[1]!, ['parties', 1]);
    const virtualNumber = number(s.virtualNumber, ['virtualNumber']);
    if (a === undefined || b === undefined || virtualNumber === undefined) return;
    out.push({
      parties: [a, b],
      virtualNumber,
      ...(s.id ? { id: s.id } : {}),
      ...(s.record === undefined ? {} : { record: s.record }),
      ...(s.expiresAt === undefined ? {} : { expiresAt: Date.parse(s.expiresAt) }),
      ...(s.pin === undefined ? {} : { pin: s.pin }),
    });
  });
  return out;
}

interface WrittenChecks {
  callflow?: unknown;
  hear?: string | string[];
  menu?: string;
  reach?: string;
}

function answerChecks(raw: WrittenChecks, path: YamlPath, parsed: ParsedFile, diagnostics: Diagnostic[]): AnswerChecks {
  const callflow = raw.callflow ? compileActions(raw.callflow as Actions, [...path, 'callflow'], { parsed, voiceProfile: ANY_VOICE, diagnostics }) : undefined;
  let reach: string | undefined;
  if (raw.reach !== undefined) {
    const number = checkPhoneNumber(String(raw.reach));
    if (number.ok) reach = number.e164;
    else diagnostics.push(error('bad-phone-number', number.message, { file: parsed.file, ...parsed.locate([...path, 'reach']) }));
  }
  const hear = raw.hear === undefined ? undefined : Array.isArray(raw.hear) ? raw.hear : [raw.hear];
  return { ...(callflow ? { callflow } : {}), ...(hear ? { hear } : {}), ...(raw.menu === undefined ? {} : { menu: raw.menu }), ...(reach ? { reach } : {}) };
}

function badTime(instancePath: string, parsed: ParsedFile): Diagnostic {
  const path = instancePath
    .slice(1)
    .split('/')
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  return error('bad-value', '`at` must be a date and time with a time zone, like "2026-03-02T09:30:00+08:00" or "2026-03-02T01:30:00Z"', {
    file: parsed.file,
    ...parsed.locate(path),
  });
}

function callFields(call: TestCall): Record<string, string> {
  return Object.fromEntries(Object.entries(call).map(([k, v]) => [k, String(v)]));
}

/** The full event a test's few fields stand for; the event's timestamp follows the clock. */
export function payloadFor(call: Readonly<Record<string, string>>, now: Date): CallActionPayload {
  return makeCallActionPayload({ timestamp: now.toISOString(), ...call } as Partial<CallActionPayload>);
}

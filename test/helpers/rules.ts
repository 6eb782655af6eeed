import { Ajv } from 'ajv';
import { expect } from 'vitest';
import { decide } from '../../src/engine/decide.js';
import { makeCallActionPayload } from '../../src/events/make-event.js';
import type { RuleSet } from '../../src/engine/rule-set.js';
import type { BuildResult } from '../../src/rules/build-rule-set.js';
import { build as buildFolder } from './routing-build.js';
import { readSchema } from '../../src/source/read-schema.js';
import type { CallActionPayload } from '../../src/types/generated/call-action.js';

export const VOICE = 'en-US-ZiraRUS';

/** Builds a rule set from in-memory files: `{ '10-a.yaml': '...' }`, plus an optional settings.yaml. */
export function build(files: Record<string, string>, settings?: string): BuildResult {
  // Sorted as the folder reader sorts them, so a test may list files in any order.
  const rules = Object.fromEntries(Object.entries(files).sort(([a], [b]) => (a < b ? -1 : 1)));
  return buildFolder(settings === undefined ? { rules } : { rules, settings });
}

/** A rule set that must build; fails the test with the diagnostics otherwise. */
export function buildOk(files: Record<string, string>, settings = `voiceProfile: ${VOICE}\n`): RuleSet {
  const result = build(files, settings);
  expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return result.ruleSet!;
}

/** One file holding these rules (YAML text of the `rules:` list items). */
export function oneFile(rulesYaml: string): Record<string, string> {
  return { 'rules.yaml': `rules:\n${rulesYaml}` };
}

export function call(ruleSet: RuleSet, fields: Partial<CallActionPayload> = {}) {
  return decide(ruleSet, makeCallActionPayload(fields));
}

const ajv = new Ajv({ strict: true, allErrors: true });
const validateCallflow = ajv.compile(readSchema('callflow'));

/** Every answer we give must be one 8x8 accepts. */
export function expectValidCallflow(body: unknown): void {
  const ok = validateCallflow(body);
  expect(validateCallflow.errors ?? [], JSON.stringify(body)).toEqual([]);
  expect(ok).toBe(true);
}

#!/usr/bin/env node
// Reads vitest's JSON report and prints the CI summary: `tests: N passed, N failed[, N skipped]`.
// A test file that fails to load (a broken import, a syntax error) has no tests in the report, so
// vitest's own counts leave it out: each such file is named here and counted as one failed test.
// Exit code 1 when anything failed or did not load, 0 otherwise.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

const file = process.argv[2] ?? 'node_modules/.cache/vitest-report.json';
let report;
try {
  report = JSON.parse(readFileSync(file, 'utf8'));
} catch (e) {
  console.log(`no test report at ${file} (${e.code ?? e.message}): the test run did not finish`);
  process.exit(1);
}

const unloaded = (report.testResults ?? []).filter((f) => f.status === 'failed' && (f.assertionResults ?? []).length === 0);
const shown = (name) => (relative(process.cwd(), name).startsWith('..') ? name : relative(process.cwd(), name));
if (unloaded.length > 0) {
  console.log(`did not load (each counted as 1 failed test, none of its tests ran): ${unloaded.length} test file${unloaded.length === 1 ? '' : 's'}`);
  for (const f of unloaded) console.log(`  ${shown(f.name)}: ${(f.message || f.failureMessage || 'no reason given').split('\n')[0]}`);
}
const passed = report.numPassedTests ?? 0;
const failed = (report.numFailedTests ?? 0) + unloaded.length;
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
console.log(`tests: ${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ''));
process.exit(failed > 0 ? 1 : 0);

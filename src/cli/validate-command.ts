import { FORMAT_NAMES, FORMATTERS, type FormatName } from '../diagnostics/formatters.js';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Prebuilt, prebuildRulesCache } from '../reload/prebuild-rules-cache.js';
import { loadRules } from '../rules/load-rules.js';
import { PUBLISHED_SCHEMAS, publishedSchema } from '../rules/published-schemas.js';
import { checkRulesDir, type CheckResult } from '../rule-tests/check-rules-dir.js';
import { callsToReplay, compareRuleSets, formatComparison, type Comparison } from '../rule-tests/compare-rule-sets.js';
import { parseAt } from './parse-at.js';
import { checkNpmKeptNoFlags, parseCommandArgs } from './parse-command-args.js';
import type { Output } from './print-diagnostics.js';
import { UsageError } from './usage-error.js';

/**
 * `validate [dir] [--strict] [--format text|json|github] [--compare old-dir] [--at time] [--write-rules-cache dir]`:
 * load the rules, lint them, run rules/tests. Exit 1 on any error or failed test, and on
 * warnings too with --strict; 0 otherwise. Only a folder that passes gets a rules cache.
 */
const OPTIONS = {
  strict: { type: 'boolean', default: false },
  format: { type: 'string', default: 'text' },
  compare: { type: 'string' },
  at: { type: 'string' },
  'write-schema': { type: 'string' },
  'write-rules-cache': { type: 'string' },
} as const;

export async function validateCommand(args: string[], out: Output, err: Output, env: NodeJS.ProcessEnv = {}): Promise<number> {
  checkNpmKeptNoFlags('validate', OPTIONS, env);
  const { values, positionals } = parseCommandArgs('validate', args, OPTIONS, true);
  if (values['write-schema'] !== undefined) {
    if (positionals.length > 0) throw new UsageError(`--write-schema writes the schemas and checks no folder: drop ${positionals.join(' ')}, or run validate again without --write-schema`);
    return writeSchemas(values['write-schema'], out);
  }
  if (positionals.length > 1) throw new UsageError(`validate takes one folder, got ${positionals.length}: ${positionals.join(' ')}`);
  const format = values.format as FormatName;
  if (!FORMAT_NAMES.includes(format)) throw new UsageError(`--format must be one of ${FORMAT_NAMES.join(', ')}; got "${values.format}"`);
  const at = parseAt(values.at);
  const dir = positionals[0] ?? 'rules';

  const checked = await checkRulesDir(dir, at);
  const diagnostics = [...checked.diagnostics];
  let comparison: Comparison | undefined;
  if (values.compare !== undefined && checked.ruleSet) {
    const old = await loadRules(values.compare);
    if (old.ruleSet) {
      comparison = compareRuleSets(old.ruleSet, checked.ruleSet, callsToReplay(checked.tests, old.ruleSet, checked.ruleSet), at ?? new Date());
    } else {
      const first = old.diagnostics.find((d) => d.severity === 'error');
      diagnostics.push({
        code: 'unreadable',
        severity: 'error',
        message: `cannot compare with ${values.compare}: its rules do not load${first ? ` (${first.file ?? ''}${first.line ? `:${first.line}` : ''} ${first.message})` : ''}`,
      });
    }
  }

  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  const failed = errors > 0 || (values.strict && warnings > 0);
  const summary = summaryLine(dir, checked, errors, warnings, values.strict);
  const cacheDir = values['write-rules-cache'];
  const prebuilt =
    cacheDir !== undefined && !failed ? await prebuildRulesCache(dir, cacheDir).catch((e: unknown): Prebuilt => ({ written: false, why: e instanceof Error ? e.message : String(e), failed: true })) : undefined;
  // Asked for a cache that could not be written: an image build must not go on without it.
  const exitCode = failed || (prebuilt !== undefined && !prebuilt.written && prebuilt.failed) ? 1 : 0;

  if (format === 'json') {
    out.write(
      FORMATTERS.json(diagnostics, {
        summary: {
          ok: !failed,
          errors,
          warnings,
          ...(checked.ruleSet ? { rules: { count: checked.ruleSet.rules.length, files: checked.ruleSet.files.length, version: checked.ruleSet.version } } : {}),
          tests: { passed: checked.testsPassed, failed: checked.testsFailed },
          ...(comparison ? { compare: { against: values.compare, calls: comparison.calls, changes: comparison.changes } } : {}),
          ...(prebuilt ? { rulesCache: prebuilt } : {}),
        },
      }),
    );
    return exitCode;
  }
  if (format === 'github') {
    // Workflow commands are read from stdout; the summary and preview are plain log lines.
    out.write(FORMATTERS.github(diagnostics));
  } else {
    err.write(FORMATTERS.text(diagnostics, { texts: checked.texts, color: err.color }));
  }
  if (comparison) out.write(`${formatComparison(comparison, values.compare!)}\n`);
  (failed ? err : out).write(`${diagnostics.length > 0 && format === 'text' ? '\n' : ''}${summary}\n`);
  if (prebuilt) (prebuilt.written || !prebuilt.failed ? out : err).write(`${prebuiltLine(prebuilt, cacheDir!)}\n`);
  else if (cacheDir !== undefined) err.write(`no rules cache written to ${cacheDir}: validate failed\n`);
  return exitCode;
}

function prebuiltLine(p: Prebuilt, cacheDir: string): string {
  if (!p.written) return p.failed ? `error: could not write the rules cache to ${cacheDir}: ${p.why}; check that the folder can be created and written` : `no rules cache written to ${cacheDir}: ${p.why}`;
  return `wrote the compiled rules (${p.rules.toLocaleString('en')}) to ${p.file}: serve with RULES_CACHE=${cacheDir} and exactly these files starts without compiling them`;
}

/** The schemas a rules folder outside this repository can point its `# yaml-language-server: $schema=` line at. */
async function writeSchemas(dir: string, out: Output): Promise<number> {
  await mkdir(dir, { recursive: true });
  for (const name of PUBLISHED_SCHEMAS) {
    const path = join(dir, `${name}.schema.json`);
    await writeFile(path, `${JSON.stringify(publishedSchema(name), null, 2)}\n`);
    out.write(`wrote ${path}\n`);
  }
  return 0;
}

function summaryLine(dir: string, checked: CheckResult, errors: number, warnings: number, strict: boolean): string {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const tests = checked.testsPassed + checked.testsFailed;
  const testPart = tests === 0 ? 'no rule tests' : checked.testsFailed > 0 ? `${checked.testsFailed} of ${tests} rule tests failed` : `${plural(tests, 'rule test')} passed`;
  const counts = `${plural(errors, 'error')}, ${plural(warnings, 'warning')}${strict && warnings > 0 ? ' (--strict: warnings fail)' : ''}`;
  if (!checked.ruleSet) return `${counts}: the rules in ${dir} do not load; fix them and run validate again.`;
  // A menu's own rules are counted as the menu, not one by one.
  const own = checked.ruleSet.rules.filter((r) => !r.menu).length;
  const menus = new Set(checked.ruleSet.rules.flatMap((r) => (r.menu?.name === undefined ? [] : [r.menu.name]))).size;
  const menuPart = menus > 0 ? ` and ${plural(menus, 'menu')}` : '';
  const rules = `${plural(own, 'rule')}${menuPart} in ${plural(checked.ruleSet.files.length, 'file')} of ${dir}, version ${checked.ruleSet.version}`;
  const verdict = errors > 0 || (strict && warnings > 0) ? 'FAILED' : 'ok';
  return `${verdict}: ${rules}; ${testPart}; ${counts}`;
}

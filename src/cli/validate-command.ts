import { parseArgs } from 'node:util';
import { loadRules } from '../rules/load-rules.js';
import { printDiagnostics, summarizeErrors, type Output } from './print-diagnostics.js';
import { UsageError } from './usage-error.js';

/** `validate [dir]`: exit 0 when the rules are good, 1 when not. */
export async function validateCommand(args: string[], out: Output, err: Output): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  if (positionals.length > 1) throw new UsageError(`validate takes one folder, got ${positionals.length}: ${positionals.join(' ')}`);
  const dir = positionals[0] ?? 'rules';
  const result = await loadRules(dir);
  printDiagnostics(result.diagnostics, result.texts, err);
  if (!result.ruleSet) {
    err.write(`\n${summarizeErrors(result.diagnostics)}: fix them and run validate again.\n`);
    return 1;
  }
  out.write(`ok: ${result.ruleSet.rules.length} rules in ${result.ruleSet.files.length} files of ${dir}, version ${result.ruleSet.version}\n`);
  return 0;
}

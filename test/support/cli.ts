import type { Output } from '../../src/cli/print-diagnostics.js';
import { run } from '../../src/cli/run.js';

/** Runs a CLI command in-process, as main.ts does, with captured output. */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out: Output = { write: (t) => void (stdout += t), color: false };
  const err: Output = { write: (t) => void (stderr += t), color: false };
  const code = await run(argv, out, err, env);
  return { code, stdout, stderr };
}

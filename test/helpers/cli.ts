import { run } from '../../src/cli/run.js';
import { capture } from './capture.js';

/** Runs a CLI command in-process, as main.ts does, with captured output. */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = capture();
  const err = capture();
  const code = await run(argv, out, err, env);
  return { code, stdout: out.text, stderr: err.text };
}

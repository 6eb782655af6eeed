import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

/** The real entry point in a child process (through tsx, so no build is needed): exit codes as CI sees them. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { env: { ...process.env, NO_COLOR: '1' } });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const failed = e as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('call-router validate as a process', () => {
  it('exits 0 on the sample rules, 1 on a wrong expectation and 2 on a bad --at', async () => {
    const [good, wrong, usage] = await Promise.all([
      cli('validate', 'test/fixtures/support-desk/rules'),
      cli('validate', 'test/fixtures/wrong-expectation/rules', '--format', 'github'),
      cli('validate', 'rules', '--at', 'noon'),
    ]);
    expect(good.code).toBe(0);
    expect(good.stdout).toMatch(/^ok: 5 rules in 3 files of test\/fixtures\/support-desk\/rules, version \w+; 6 rule tests passed; 0 errors, 0 warnings\n$/);
    expect(wrong.code).toBe(1);
    expect(wrong.stdout.split('\n').filter((l) => l.startsWith('::error ')).length).toBe(3);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('error: --at must be a date and time with a time zone');
    // Three compiles through tsx at once: on a busy two-core machine that takes a while.
  }, 60_000);
});

import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it, onTestFinished } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const vitest = join(root, 'node_modules/vitest/vitest.mjs');
const summarize = join(root, '.ci/summarize-tests.mjs');

const FILES = {
  'ok.test.ts': "it('passes', () => expect(1).toBe(1));\nit.skip('is skipped', () => {});\n",
  'fails.test.ts': "it('fails', () => expect(1).toBe(2));\n",
  'broken.test.ts': "import { nothing } from './no-such-module.js';\nit('never runs', () => expect(nothing).toBe(1));\n",
};

/** .ci's summary of a vitest JSON report: its output and exit code. */
async function summarizeReport(report: string, cwd: string): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await run(process.execPath, [summarize, report], { cwd, timeout: 30_000 });
    return { code: 0, stdout };
  } catch (e) {
    const failed = e as { code: number; stdout: string };
    return { code: failed.code, stdout: failed.stdout };
  }
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ci-summary-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Runs the real vitest on some of FILES in a temp folder, then the summary of its report. */
async function summaryOf(names: (keyof typeof FILES)[]): Promise<{ code: number; stdout: string }> {
  const dir = await tempDir();
  for (const name of names) await writeFile(join(dir, name), FILES[name]);
  const report = join(dir, 'report.json');
  // --globals: the files need no `import from 'vitest'`, which would not resolve from a temp folder.
  await run(process.execPath, [vitest, 'run', '--globals', '--reporter=json', `--outputFile=${report}`], { cwd: dir, timeout: 120_000 }).catch(() => undefined);
  return summarizeReport(report, dir);
}

describe('.ci/run test summary', () => {
  it('names a test file that did not load, counts it as failed and exits 1', async () => {
    const { code, stdout } = await summaryOf(['ok.test.ts', 'fails.test.ts', 'broken.test.ts']);
    expect(code).toBe(1);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toBe('did not load (each counted as 1 failed test, none of its tests ran): 1 test file');
    expect(lines[1]).toMatch(/^ {2}\S*broken\.test\.ts: .*no-such-module/);
    expect(lines.at(-1)).toBe('tests: 1 passed, 2 failed, 1 skipped');
  });

  it('exits 0 with the plain summary line when everything loaded and passed', async () => {
    const { code, stdout } = await summaryOf(['ok.test.ts']);
    expect(stdout).toBe('tests: 1 passed, 0 failed, 1 skipped\n');
    expect(code).toBe(0);
  });

  it('fails, saying so, when there is no report (the run did not finish)', async () => {
    const dir = await tempDir();
    const { code, stdout } = await summarizeReport(join(dir, 'report.json'), dir);
    expect(code).toBe(1);
    expect(stdout).toMatch(/^no test report at .*report\.json \(ENOENT\): the test run did not finish\n$/);
  });
});

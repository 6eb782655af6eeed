import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { spawnForTest, stopChild } from './helpers/processes.js';
import { removeDir, SETTINGS, tempDir, writeFiles } from './helpers/reload-harness.js';

const REPORTER = join(import.meta.dirname, 'fixtures/memory/report-on-signal.mjs');

/** A pairs table of `rows` pairs on one virtual number; `variant` changes every number, so a reload builds a new table. */
function pairsCsv(rows: number, variant: number): string {
  const lines = ['virtualNumber,partyA,partyB,expires'];
  for (let i = 0; i < rows; i++) lines.push(`vn-ref-1,+659${String(variant * rows + i).padStart(7, '0')},+658${String(variant * rows + i).padStart(7, '0')},`);
  return `${lines.join('\n')}\n`;
}

describe('serve, over many reloads', () => {
  it('lets go of the rules it started with once a reload replaces them', async () => {
    const dir = await tempDir();
    onTestFinished(() => removeDir(dir));
    // 100k pairs: their tables are megabytes of typed arrays, enough to tell one set from two.
    await writeFiles(dir, {
      'settings.yaml': SETTINGS,
      'masked.yaml': 'rules:\n  - id: masked\n    then: [{ makeCall: other-party }]\n    else: [hangup]\n',
      'pairs/pairs.csv': pairsCsv(100_000, 0),
    });
    const child = spawnForTest(process.execPath, ['--expose-gc', '--import', 'tsx', '--import', REPORTER, 'src/cli/main.ts', 'serve', '--rules', dir, '--port', '0', '--host', '127.0.0.1', '--no-watch'], {
      env: { ...process.env, CALL_LOG: 'off', SESSIONS_DB: 'off', LOG_LEVEL: 'warn' },
    });
    onTestFinished(async () => {
      await stopChild(child);
    });
    let output = '';
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    const url = await waitFor(() => /Listening on (http:\/\/[^ ]+:\d+)/.exec(output)?.[1]);
    const version = async () => ((await (await fetch(`${url}/healthz`)).json()) as { version: string }).version;
    const memory = async () => {
      const seen = output.length;
      child.kill('SIGUSR2');
      const line = await waitFor(() => /MEMORY (\{.*\})/.exec(output.slice(seen))?.[1]);
      return JSON.parse(line) as { heapUsed: number; arrayBuffers: number };
    };

    const first = await version();
    const loaded = await memory();
    await writeFile(join(dir, 'pairs/pairs.csv'), pairsCsv(100_000, 1));
    child.kill('SIGHUP');
    await waitFor(async () => ((await version()) !== first ? true : undefined));
    const reloaded = await memory();
    // One rule set's tables, not two: the first set is no longer held by anything.
    expect(loaded.arrayBuffers).toBeGreaterThan(4 * 2 ** 20);
    expect(reloaded.arrayBuffers).toBeLessThan(loaded.arrayBuffers * 1.5);
    child.kill('SIGTERM');
    await once(child, 'exit');
  }, 60_000);
});

async function waitFor<T>(probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

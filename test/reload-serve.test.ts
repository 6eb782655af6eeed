import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { RulesHealth } from '../src/reload/live-rules.js';
import { spawnForTest, stopChild } from './helpers/processes.js';
import { removeDir, rulesYaml, SETTINGS, tempDir, writeFiles } from './helpers/reload-harness.js';

let dir = '';

/** Starts `serve` as a user would (from the sources, through tsx) and returns its base URL and output so far. */
async function serve(args: string[], env: Record<string, string> = {}) {
  const served = (dir = await tempDir());
  let proc: ChildProcess | undefined;
  // Stop the server before deleting the folder it watches (spawnForTest alone would stop it later).
  onTestFinished(async () => {
    if (proc) await stopChild(proc);
    await removeDir(served);
  });
  await writeFiles(dir, { 'settings.yaml': SETTINGS, '10-a.yaml': rulesYaml([{ id: 'a', say: 'A one' }]) });
  const child = (proc = spawnForTest(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--rules', dir, '--port', '0', '--host', '127.0.0.1', ...args], {
    env: { ...process.env, ...env },
  }));
  const output = { text: '' };
  child.stdout!.on('data', (d) => (output.text += d));
  child.stderr!.on('data', (d) => (output.text += d));
  const url = await new Promise<string>((resolve, reject) => {
    const check = () => {
      const m = /Listening on (http:\/\/[^ ]+:\d+)/.exec(output.text);
      if (m && /atching /.test(output.text)) resolve(m[1]!);
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${output.text}`)));
  });
  const health = async () => (await (await fetch(`${url}/healthz`)).json()) as RulesHealth;
  const waitForHealth = async (check: (h: RulesHealth) => boolean) => {
    for (let i = 0; i < 500; i++) {
      const h = await health();
      if (check(h)) return h;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`timed out; /healthz: ${JSON.stringify(await health())}\noutput:\n${output.text}`);
  };
  return { proc: child, output, health, waitForHealth };
}

describe('serve', () => {
  it('reloads on SIGHUP sent to the pid in --pid-file, and logs one line for the reload', async () => {
    const pidFile = `${await tempDir()}/router.pid`;
    onTestFinished(() => removeDir(dirname(pidFile)));
    const s = await serve(['--no-watch', '--pid-file', pidFile]);
    expect(s.output.text).toContain('Not watching');
    const before = await s.health();
    await writeFile(join(dir, '20-b.yaml'), rulesYaml([{ id: 'b', say: 'B one' }]));
    // What the README says to run: kill -HUP "$(cat router.pid)".
    process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGHUP');
    const after = await s.waitForHealth((h) => h.version !== before.version);
    expect(after).toMatchObject({ status: 'ok', rules: 2, files: 2, lastReload: { ok: true, trigger: 'SIGHUP' } });
    // Log lines are written asynchronously: /healthz can show the reload before its line arrives.
    const lines = () =>
      s.output.text
        .split('\n')
        .filter((l) => l.includes('"rules-reloaded"'))
        .map((l) => JSON.parse(l));
    await expect.poll(lines, { timeout: 10_000 }).toHaveLength(1);
    expect(lines()).toEqual([expect.objectContaining({ ok: true, trigger: 'SIGHUP', version: after.version, rules: 2, files: 2, durationMs: expect.any(Number), errors: [] })]);
  });

  it.each([
    { how: 'by default', args: [], env: {} as Record<string, string> },
    { how: 'unless WATCH=0, but SIGHUP still works', args: [], env: { WATCH: '0' } as Record<string, string> },
  ])('watches the folder $how', async ({ args, env }) => {
    const s = await serve(args, env);
    const watching = env.WATCH !== '0';
    expect(s.output.text).toContain(watching ? 'Watching' : 'Not watching');
    const before = await s.health();
    await writeFile(join(dir, '20-b.yaml'), rulesYaml([{ id: 'b', say: 'B one' }]));
    if (!watching) s.proc.kill('SIGHUP');
    const after = await s.waitForHealth((h) => h.version !== before.version);
    expect(after.lastReload.trigger).toBe(watching ? 'file-change' : 'SIGHUP');
  });

  it('exits cleanly on SIGTERM while watching', async () => {
    const s = await serve([]);
    s.proc.kill('SIGTERM');
    const code = await new Promise((r) => s.proc.once('exit', r));
    expect(code).toBe(0);
  });
});

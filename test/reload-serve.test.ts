import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RulesHealth } from '../src/reload/live-rules.js';
import { removeDir, rulesYaml, SETTINGS, tempDir, writeFiles } from './helpers/reload-harness.js';

let child: ChildProcess | undefined;
let dir = '';

afterEach(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
    await new Promise((r) => child!.once('exit', r));
  }
  child = undefined;
  await removeDir(dir);
});

/** Starts `serve` as a user would (from the sources, through tsx) and returns its base URL and output so far. */
async function serve(args: string[], env: Record<string, string> = {}) {
  dir = await tempDir();
  await writeFiles(dir, { 'settings.yaml': SETTINGS, '10-a.yaml': rulesYaml([{ id: 'a', say: 'A one' }]) });
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--rules', dir, '--port', '0', '--host', '127.0.0.1', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child = proc;
  const output = { text: '' };
  proc.stdout!.on('data', (d) => (output.text += d));
  proc.stderr!.on('data', (d) => (output.text += d));
  const url = await new Promise<string>((resolve, reject) => {
    const check = () => {
      const m = /Listening on (http:\/\/[^ ]+:\d+)/.exec(output.text);
      if (m && /atching /.test(output.text)) resolve(m[1]!);
    };
    proc.stdout!.on('data', check);
    proc.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${output.text}`)));
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
  return { proc, output, health, waitForHealth };
}

describe('serve', () => {
  it('reloads on SIGHUP and logs one line for the reload', async () => {
    const s = await serve(['--no-watch']);
    expect(s.output.text).toContain('Not watching');
    const before = await s.health();
    await writeFile(join(dir, '20-b.yaml'), rulesYaml([{ id: 'b', say: 'B one' }]));
    s.proc.kill('SIGHUP');
    const after = await s.waitForHealth((h) => h.version !== before.version);
    expect(after).toMatchObject({ status: 'ok', rules: 2, files: 2, lastReload: { ok: true, trigger: 'SIGHUP' } });
    const lines = s.output.text.split('\n').filter((l) => l.includes('"rules-reloaded"')).map((l) => JSON.parse(l));
    expect(lines).toEqual([expect.objectContaining({ ok: true, trigger: 'SIGHUP', version: after.version, rules: 2, files: 2, durationMs: expect.any(Number), errors: [] })]);
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

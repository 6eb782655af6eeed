import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtMain, ensureBuilt } from './helpers/built-cli.js';
import { startServer } from './helpers/server.js';

describe('serve start-up lines', () => {
  it('are JSON log lines with LOG_FORMAT=json: stdout holds nothing else', async () => {
    const server = await startServer(['--rules', 'rules'], { LOG_FORMAT: 'json' });
    let stdout = '';
    try {
      stdout = server.stdout();
    } finally {
      await server.stop();
    }
    const lines = stdout.split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(expect.arrayContaining([expect.stringMatching(/^Loaded \d+ rules/), expect.stringMatching(/^Listening on http/)]));
  }, 120_000);

  it('a port in use is an `error:` line, like validate', async () => {
    const first = await startServer(['--rules', 'rules']);
    try {
      const port = new URL(first.url).port;
      const second = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--rules', 'rules', '--port', port, '--host', '127.0.0.1'], { encoding: 'utf8', timeout: 150_000 });
      expect(second.status).toBe(1);
      expect(second.stderr).toContain(`error: cannot listen on 127.0.0.1:${port}: the port is in use; pick another with --port or PORT`);
    } finally {
      await first.stop();
    }
  }, 180_000);
});

describe('serve refuses to start with the problem on an `error:` line, as validate prints it', () => {
  let dir: string;
  beforeAll(async () => {
    await ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'router-startup-'));
    writeFileSync(join(dir, 'settings.yaml'), 'voiceProfile: en-US-ZiraRUS\n');
    writeFileSync(join(dir, 'a.yaml'), 'rules:\n  - id: a\n    then: [{ sya: "x" }]\n');
    writeFileSync(`${dir}-config.yaml`, 'bogus: 1\n');
  }, 180_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (dir) rmSync(`${dir}-config.yaml`, { force: true });
  });

  it.each([
    [
      'rules that do not load',
      (d: string) => ['--rules', d],
      {},
      (d: string) => [`${d}/a.yaml:3:14: error: unknown action \`sya\`; did you mean \`say\`?`, `1 error in the rules: not starting. Run \`npm run validate -- ${d}\` after fixing them.`],
    ],
    [
      'a rules folder that does not exist',
      (d: string) => ['--rules', `${d}/nope`],
      {},
      (d: string) => [`error: cannot read rules folder ${d}/nope: no such folder`, `1 error in the rules: not starting. Run \`npm run validate -- ${d}/nope\` after fixing them.`],
    ],
    ['a setting that is not a number', () => ['--rules', 'rules'], { PORT: 'abc' }, () => ['error: environment variable PORT must be a whole number (it is "abc")', '1 error in the server configuration: not starting.']],
    [
      'a config file with an unknown key',
      (d: string) => ['--rules', 'rules', '--config', `${d}-config.yaml`],
      {},
      (d: string) => [expect.stringMatching(new RegExp(`^${d}-config.yaml:1:1: error: unknown top-level field \`bogus\`; expected one of: rulesDir, port, `)), '1 error in the server configuration: not starting.'],
    ],
  ])(
    '%s: exit 1',
    (_what, args, env, lines) => {
      const run = spawnSync(process.execPath, [builtMain, 'serve', '--port', '0', ...args(dir)], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } });
      expect(run.status).toBe(1);
      const shown = run.stderr.split('\n').filter((l) => l !== '' && !/^\d+ \||^\s+\^/.test(l));
      expect(shown).toEqual(lines(dir));
    },
    60_000,
  );
});

import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
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

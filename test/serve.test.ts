import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startServer } from './helpers/server.js';
import { expectValidCallflow } from './helpers/rules.js';

const seed = readFileSync(new URL('./fixtures/8x8/call-action.json', import.meta.url), 'utf8');

describe('serve', () => {
  it('serves the sample rules: the seed example event gets a schema-valid callflow', async () => {
    const server = await startServer(['--rules', 'rules']);
    try {
      expect(server.stdout()).toMatch(/Loaded \d+ rules from \d+ files in rules \(version [0-9a-f]{12}\)/);
      const res = await fetch(`${server.url}/webhooks/call-action`, { method: 'POST', body: seed, headers: { 'content-type': 'application/json' } });
      expect(res.status).toBe(200);
      expectValidCallflow(await res.json());
      // One structured log line per call, naming the rule.
      await expect.poll(() => server.stdout()).toContain('"rule":"sg-support"');
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  it('refuses to start on bad rules, with the same errors as validate, exit 1', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rules-'));
    try {
      await writeFile(join(dir, 'a.yaml'), 'rules:\n  - id: a\n    then:\n      - sya: "hi"\n');
      const failure = await startServer(['--rules', dir]).then(
        () => undefined,
        (e: { code: number; stderr: string }) => e,
      );
      expect(failure?.code).toBe(1);
      expect(failure?.stderr).toContain(`${join(dir, 'a.yaml')}:4:9: error: unknown action \`sya\`; did you mean \`say\`?`);
      expect(failure?.stderr).toContain('not starting');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.each([
    [['--port', 'eighty'], 'port must be a number'],
    [['--rulez', 'x'], "Unknown option '--rulez'"],
  ])('exits 2 on a bad flag %j', async (args, message) => {
    const failure = await startServer(args).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(failure?.code).toBe(2);
    expect(failure?.stderr).toContain(message);
  });
});

import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeCallActionPayload } from '../src/events/make-event.js';
import type { RulesHealth } from '../src/reload/live-rules.js';
import { removeDir, rulesYaml, SETTINGS, sayTexts, tempDir, writeFiles } from './helpers/reload-harness.js';
import { startServer, type RunningServer } from './helpers/server.js';

/**
 * A deploy that copies eight files one after the other. A reload that reads in between sees
 * a mix that is valid but was never written by anyone: some files new, the rest old. Every
 * trigger must wait for the copying to finish, as the watcher does.
 */
const FILES = 8;
const version = (v: string) => Object.fromEntries(Array.from({ length: FILES }, (_, i) => [`${10 + i}-key-${i}.yaml`, rulesYaml([{ id: `key-${i}`, say: `${v} ${i}`, when: `{ dtmf: "${i}" }` }])]));
const everyKey = Array.from({ length: FILES }, (_, i) => String(i));
const TOKEN = 'test-admin-token';

let server: RunningServer | undefined;
let dir = '';
afterEach(async () => {
  await server?.stop();
  server = undefined;
  await removeDir(dir);
});

/** Below the reload's 100 ms quiet time, with room for the file system clock's coarse steps. */
const SHORTER_THAN_QUIET_MS = 80;

/** The longest pause between two consecutive files of a deploy, from their modification times. */
function longestPause(names: string[]): number {
  const times = names.map((name) => statSync(join(dir, name)).mtimeMs);
  return Math.max(...times.slice(1).map((t, i) => t - times[i]!));
}

async function lastReloadAt(s: RunningServer): Promise<string> {
  const health = (await (await fetch(`${s.url}/healthz`)).json()) as RulesHealth;
  expect(health.lastReload).toMatchObject({ ok: true });
  return health.lastReload.at;
}

let calls = 0;
async function heard(s: RunningServer, dtmf: string): Promise<string> {
  const payload = makeCallActionPayload({ eventId: `settle-${++calls}`, dtmf });
  const res = await fetch(`${s.url}/webhooks/call-action`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ eventType: 'CALL_ACTION', payload }) });
  return sayTexts(await res.json()).join();
}

describe('a reload asked for in the middle of a multi-file deploy', () => {
  it.each([
    ['SIGHUP', (s: RunningServer) => void s.child.kill('SIGHUP')],
    ['POST /admin/reload', (s: RunningServer) => void fetch(`${s.url}/admin/reload`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } })],
  ])('by %s waits for the copying to finish and publishes only the whole new version', { timeout: 60_000 }, async (_trigger, ask) => {
    dir = await tempDir();
    await writeFiles(dir, { 'settings.yaml': SETTINGS, ...version('v0') });
    server = await startServer(['--rules', dir, '--no-watch'], { ADMIN_TOKEN: TOKEN });
    for (const key of everyKey) expect(await heard(server, key)).toBe(`v0 ${key}`);
    // One reload first, so the loader thread is up and the next reload reads at once.
    await fetch(`${server.url}/admin/reload`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });

    // The settle step bridges pauses shorter than its quiet time (100 ms) between files, as README
    // says. On a busy machine this test itself may pause longer between two writes, and then a
    // reload may rightly read in between: such a deploy proves nothing, so deploy again.
    for (let round = 1; ; round++) {
      const before = await lastReloadAt(server);
      const deploy = version(`v${round}`);
      // The files are copied 30 ms apart, as a `cp -r` of bigger files or an rsync would; the reload is asked for after the first.
      for (const [i, [name, text]] of Object.entries(deploy).entries()) {
        writeFileSync(join(dir, name), text);
        if (i === 0) ask(server);
        await new Promise((r) => setTimeout(r, 30));
      }
      let at = before;
      for (let i = 0; i < 500 && at === before; i++) {
        await new Promise((r) => setTimeout(r, 20));
        at = await lastReloadAt(server);
      }
      expect(at, 'the reload asked for never finished').not.toBe(before);
      const answers = [];
      for (const key of everyKey) answers.push(await heard(server, key));
      if (longestPause(Object.keys(deploy)) < SHORTER_THAN_QUIET_MS) {
        expect(answers).toEqual(everyKey.map((key) => `v${round} ${key}`));
        break;
      }
      expect(round, 'every deploy paused 80 ms or more between two files: the machine is too busy for this test').toBeLessThan(5);
    }
  });
});

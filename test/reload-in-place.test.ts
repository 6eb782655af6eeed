import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { makeCallActionPayload } from '../src/events/make-event.js';
import { removeDir, rulesYaml, SETTINGS, sayTexts, tempDir, writeFiles } from './helpers/reload-harness.js';
import { startServer, type RunningServer } from './helpers/server.js';

/**
 * Issue 19: a plain save (`writeFileSync`, `cp`, most editors) truncates the file and then
 * writes it. A reload that reads in between saw an empty file, published a rule set without
 * its rules, and callers were hung up on. Two valid versions of one file, saved in place again
 * and again under continuous calls: every answer must be exactly one of the two.
 */
const VERSION = {
  A: rulesYaml([
    { id: 'desk-a', say: 'version A' },
    { id: 'spare-a', say: 'spare A', when: '{ dtmf: "9" }' },
  ]),
  B: rulesYaml([
    { id: 'desk-b', say: 'version B' },
    { id: 'spare-b', say: 'spare B', when: '{ dtmf: "9" }' },
  ]),
};
const FLIPS = 40;
const CALLERS = 8;

let server: RunningServer | undefined;
let dir = '';
afterEach(async () => {
  await server?.stop();
  server = undefined;
  await removeDir(dir);
});

it(`answers every call with exactly one of two versions of a file saved in place ${FLIPS} times`, { timeout: 120_000 }, async () => {
  dir = await tempDir();
  const file = join(dir, 'rules.yaml');
  await writeFiles(dir, { 'settings.yaml': SETTINGS, 'rules.yaml': VERSION.A });
  // A generous deadline: on a busy machine a slow answer must not be mistaken for a torn read.
  server = await startServer(['--rules', dir], { DEADLINE_MS: '30000' });
  const url = `${server.url}/webhooks/call-action`;

  let n = 0;
  const call = async () => {
    const payload = makeCallActionPayload({ eventId: `in-place-${++n}` });
    const res = await fetch(url, { method: 'POST', body: JSON.stringify({ eventType: 'CALL_ACTION', payload }), headers: { 'content-type': 'application/json' } });
    return `${res.status} ${await res.text()}`;
  };
  const answers = new Map<string, number>();
  let calling = true;
  const callers = Array.from({ length: CALLERS }, async () => {
    while (calling) {
      const answer = await call().catch((e: Error) => `failed ${e.message}`);
      answers.set(answer, (answers.get(answer) ?? 0) + 1);
    }
  });

  let last: keyof typeof VERSION = 'A';
  for (let flip = 1; flip <= FLIPS; flip++) {
    last = last === 'A' ? 'B' : 'A';
    writeFileSync(file, VERSION[last]);
    // 150-350 ms apart, so reloads read at every point of the next save.
    await new Promise((r) => setTimeout(r, 150 + ((flip * 53) % 200)));
  }
  // Then a save of each version with time to go live, so both are certainly heard (on a busy
  // machine a reload may take longer than the gap between the saves above, and none publishes).
  const waitFor = async (text: string) => {
    for (let i = 0; i < 600 && !(await call()).includes(text); i++) await new Promise((r) => setTimeout(r, 50));
  };
  for (const settled of ['B', 'A'] as const) {
    writeFileSync(file, VERSION[settled]);
    await waitFor(`version ${settled}`);
  }
  calling = false;
  await Promise.all(callers);

  const answerA = [...answers.keys()].find((a) => a.startsWith('200 ') && sayTexts(JSON.parse(a.slice(4))).join() === 'version A');
  const answerB = [...answers.keys()].find((a) => a.startsWith('200 ') && sayTexts(JSON.parse(a.slice(4))).join() === 'version B');
  expect(answerA, 'version A was answered').toBeDefined();
  expect(answerB, 'version B was answered').toBeDefined();
  const odd = [...answers.entries()].filter(([a]) => a !== answerA && a !== answerB);
  expect(odd).toEqual([]);
  expect(await call()).toContain('version A');
  expect(server.stdout().split('"msg":"rules-reloaded"').length - 1).toBeGreaterThanOrEqual(2);
});

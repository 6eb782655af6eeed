import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { afterEach, expect, it } from 'vitest';
import { makeCallActionPayload } from '../src/events/make-event.js';
import { removeDir, rulesYaml, SETTINGS, sayTexts, startHarness, tempDir, writeFiles, type Harness } from './helpers/reload-harness.js';

/**
 * Version A has rule x in the first file and y in the second; version B swaps them. Both rules
 * match every call, so A answers "version A" and B "version B". A mix of the two (one file
 * old, one new) would hold x or y twice, which is invalid and must never serve.
 */
const X = { id: 'x', say: 'version A' };
const Y = { id: 'y', say: 'version B' };
const VERSIONS = {
  A: { '10-first.yaml': rulesYaml([X]), '20-second.yaml': rulesYaml([Y]) },
  B: { '10-first.yaml': rulesYaml([Y]), '20-second.yaml': rulesYaml([X]) },
};

let harness: Harness | undefined;
let server: ServerType | undefined;
let dir = '';

afterEach(async () => {
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  await harness?.close();
  await removeDir(dir);
});

it('answers every call with exactly the old or the new rules while they flip 20 times', async () => {
  dir = await tempDir();
  await writeFiles(dir, { 'settings.yaml': SETTINGS, ...VERSIONS.A });
  harness = await startHarness(dir);
  const h = harness;
  server = serve({ fetch: h.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((r) => server!.once('listening', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/call-action`;

  let n = 0;
  const call = async () => {
    const payload = makeCallActionPayload({ eventId: `flip-${++n}` });
    const res = await fetch(url, { method: 'POST', body: JSON.stringify({ eventType: 'CALL_ACTION', payload }), headers: { 'content-type': 'application/json' } });
    return { status: res.status, body: (await res.json()) as unknown };
  };
  const answerA = (await call()).body;
  expect(sayTexts(answerA)).toEqual(['version A']);

  const seen: { status: number; body: unknown }[] = [];
  let flipping = true;
  const callers = Array.from({ length: 4 }, async () => {
    while (flipping) seen.push(await call().catch((e: Error) => ({ status: 0, body: e.message })));
  });

  let answerB: unknown;
  for (let flip = 1; flip <= 20; flip++) {
    const to = flip % 2 === 1 ? 'B' : 'A';
    // Written one file after the other, as an editor or a copy would: a reload may see the mix.
    await writeFiles(dir, VERSIONS[to]);
    await h.waitForAnswer({}, [to === 'A' ? 'version A' : 'version B']);
    answerB ??= (await call()).body;
  }
  flipping = false;
  await Promise.all(callers);

  expect(sayTexts(answerB)).toEqual(['version B']);
  const odd = seen.filter((r) => r.status !== 200 || (JSON.stringify(r.body) !== JSON.stringify(answerA) && JSON.stringify(r.body) !== JSON.stringify(answerB)));
  expect(odd).toEqual([]);
  expect(seen.some((r) => JSON.stringify(r.body) === JSON.stringify(answerA))).toBe(true);
  expect(seen.some((r) => JSON.stringify(r.body) === JSON.stringify(answerB))).toBe(true);
  expect(h.logs.filter((l) => l.msg === 'rules-reloaded').length).toBeGreaterThanOrEqual(20);
});

import { serve, type ServerType } from '@hono/node-server';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/http/app.js';
import { LiveRules } from '../src/reload/live-rules.js';
import { loadRules } from '../src/rules/load-rules.js';

const seed = readFileSync(new URL('./fixtures/8x8/call-action.json', import.meta.url), 'utf8');
let server: ServerType;
let port: number;

beforeAll(async () => {
  const loaded = await loadRules('rules');
  const app = createApp({ rules: new LiveRules(loaded.ruleSet!) });
  server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** A POST over a real socket, sent in pieces; `chunked` leaves Content-Length out, as a streaming client does. */
function post(pieces: string[], chunked: boolean): Promise<{ status: number; body: string }> {
  const length = pieces.reduce((n, p) => n + Buffer.byteLength(p), 0);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/webhooks/call-action', method: 'POST', headers: { 'content-type': 'application/json', ...(chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': length }) } },
      (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    for (const p of pieces) req.write(p);
    req.end();
  });
}

const split = (text: string, size: number) => Array.from({ length: Math.ceil(text.length / size) }, (_, i) => text.slice(i * size, (i + 1) * size));
const huge = JSON.stringify({ ...JSON.parse(seed), pad: 'x'.repeat(70_000) });

describe('reading the body over a real socket', () => {
  it.each([
    ['with Content-Length', false],
    ['chunked, without Content-Length', true],
  ])('answers an event sent %s', async (_how, chunked) => {
    const res = await post(split(seed, 100), chunked);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).clientActionId).toBe('sg-support');
  });

  it.each([
    ['with Content-Length', false],
    ['chunked, without Content-Length', true],
  ])('refuses a body over 64 KiB sent %s with 413', async (_how, chunked) => {
    const res = await post(split(huge, 8192), chunked);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body).error.code).toBe('body-too-large');
  });

  it.each([
    ['with Content-Length', false],
    ['chunked, without Content-Length', true],
  ])('answers malformed JSON sent %s with 400', async (_how, chunked) => {
    const res = await post(['{"payload": ', '{"eventId"'], chunked);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).error.code).toBe('invalid-json');
  });
});

import { createServer, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { trackResponses } from '../src/http/connection-limits.js';

/** A real node:http server whose handler holds each response until the test lets it go. */
const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});
async function holdingServer() {
  const held: ServerResponse[] = [];
  const server = createServer((_req, res) => void held.push(res));
  servers.push(server);
  const open = trackResponses(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const get = () =>
    new Promise<number>((resolve, reject) => {
      const req = request({ port, host: '127.0.0.1', path: '/', agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end();
    });
  const until = async (check: () => boolean) => {
    while (!check()) await new Promise((r) => setTimeout(r, 5));
  };
  return { held, open, get, until };
}

describe('the responses a shutdown must tell to close their connection', () => {
  it('are the ones not yet finished: each is listed from its request until it closes, and the slots are used again', async () => {
    const { held, open, get, until } = await holdingServer();
    const first = [get(), get(), get()];
    await until(() => held.length === 3);
    expect(open.size).toBe(3);
    expect(new Set(open)).toEqual(new Set(held));

    held[1]!.end('done');
    await first[1];
    await until(() => open.size === 2);
    expect(new Set(open)).toEqual(new Set([held[0], held[2]]));

    // A new request takes the freed slot: the list does not grow with the requests served.
    const fourth = get();
    await until(() => held.length === 4);
    expect(new Set(open)).toEqual(new Set([held[0], held[2], held[3]]));

    for (const res of held) if (!res.writableEnded) res.end('done');
    expect(await Promise.all([...first, fourth])).toEqual([200, 200, 200, 200]);
    await until(() => open.size === 0);
    expect([...open]).toEqual([]);
  });
});

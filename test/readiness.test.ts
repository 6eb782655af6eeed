import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { loadConfig } from '../src/config/load-config.js';
import type { Readiness } from '../src/http/readyz-route.js';
import { createLogger } from '../src/log/create-logger.js';
import { PidFileError } from '../src/server/pid-file.js';
import { ListenError, startServer } from '../src/server/start-server.js';
import { sampleRules, testServer } from './helpers/webhook-app.js';

describe('GET /readyz on the app', () => {
  it('answers 200 with the rule set version while ready; /healthz is unchanged', async () => {
    const { app, rules } = await testServer();
    const res = await app.request('/readyz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ready: true, state: 'ready', version: rules.current().version, rules: rules.current().rules.length });
    expect((await app.request('/healthz')).status).toBe(200);
  });

  it.each([
    ['starting', /first rule set is not loaded yet/],
    ['draining', /shutting down/],
  ] as const)('answers 503 and says why while %s, while /healthz (liveness) stays 200', async (state: Readiness, reason) => {
    const { app } = await testServer({ readiness: () => state });
    const res = await app.request('/readyz');
    expect(res.status).toBe(503);
    const body = (await res.json()) as { reason: string };
    expect(body).toMatchObject({ ready: false, state });
    expect(body.reason).toMatch(reason);
    expect((await app.request('/healthz')).status).toBe(200);
  });

  it('answers 405 to anything but GET', async () => {
    const { app } = await testServer();
    const res = await app.request('/readyz', { method: 'POST' });
    expect(res.status).toBe(405);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('method-not-allowed');
  });
});

/** startServer as `serve` calls it, on a free port, silent, with the decision log in memory. */
async function start(overrides: Record<string, unknown>) {
  const { config } = await loadConfig({ env: {}, overrides: { port: 0, host: '127.0.0.1', callLog: ':memory:', watch: false, ...overrides } });
  const running = await startServer({ config: config!, ruleSet: (await sampleRules()).current(), logger: createLogger({ level: 'silent' }) });
  onTestFinished(() => running.close());
  return running;
}

async function freePort(): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => probe.once('listening', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'router-ready-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

describe('startServer: readiness and the pid file', () => {
  it('is ready once started, 503 after drain(), writes the pid file and removes it on close()', async () => {
    const pidFile = join(await tempDir(), 'router.pid');
    const running = await start({ pidFile });
    expect(readFileSync(pidFile, 'utf8')).toBe(`${process.pid}\n`);
    const url = `http://127.0.0.1:${running.port}`;
    expect((await fetch(`${url}/readyz`)).status).toBe(200);

    running.drain();
    const draining = await fetch(`${url}/readyz`);
    expect(draining.status).toBe(503);
    expect(await draining.json()).toMatchObject({ state: 'draining' });
    expect((await fetch(`${url}/healthz`)).status).toBe(200);

    await running.close();
    expect(existsSync(pidFile)).toBe(false);
  });

  it('leaves no pid file behind when it cannot listen', async () => {
    const pidFile = join(await tempDir(), 'router.pid');
    const blocker = createServer().listen(0, '127.0.0.1');
    onTestFinished(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
    await new Promise((resolve) => blocker.once('listening', resolve));
    const port = (blocker.address() as { port: number }).port;
    await expect(start({ pidFile, port })).rejects.toThrow(ListenError);
    expect(existsSync(pidFile)).toBe(false);
  });

  it('refuses to start, naming the path and the fix, when the pid file cannot be written, and frees the port', async () => {
    const pidFile = join(await tempDir(), 'no-such-folder', 'router.pid');
    const port = await freePort();
    const failure = await start({ pidFile, port }).catch((e: Error) => e);
    expect(failure).toBeInstanceOf(PidFileError);
    expect((failure as Error).message).toMatch(/cannot write the pid file .*no-such-folder.*: its folder does not exist; .*--pid-file or PID_FILE/);
    // The port it had bound is released: the same port works for the next start.
    const again = await start({ port });
    expect((await fetch(`http://127.0.0.1:${again.port}/readyz`)).status).toBe(200);
  });
});

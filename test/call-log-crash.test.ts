import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SqliteCallStore } from '../src/store/sqlite-call-store.js';
import { builtMain, ensureBuilt, root } from './helpers/built-cli.js';
import { example } from './helpers/webhook-app.js';

const KILLS = 20;
/** Records are handed to the writer at least every 100 ms, and committed within 100 ms more; the rest is slack for a loaded machine. */
const FLUSH_WINDOW_MS = 200;
const MARGIN_MS = 800;
const CONCURRENCY = 4;
const ADMIN_TOKEN = 'crash-test-admin';

let child: ChildProcess | undefined;
async function stopChild(): Promise<void> {
  const c = child;
  child = undefined;
  if (c && c.exitCode === null && c.signalCode === null) {
    const exited = once(c, 'exit');
    c.kill('SIGKILL');
    await exited;
  }
}
afterEach(stopChild);

beforeAll(() => ensureBuilt(), 240_000);

function start(dir: string, callLog: string): Promise<{ port: number; exited: Promise<unknown>; output: () => string }> {
  const proc = spawn(process.execPath, [builtMain, 'serve', '--rules', join(dir, 'rules'), '--port', '0', '--host', '127.0.0.1', '--no-watch'], {
    cwd: dir,
    env: { ...process.env, CALL_LOG: callLog, ADMIN_TOKEN, LOG_FORMAT: 'json', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child = proc;
  let text = '';
  const exited = once(proc, 'exit');
  return new Promise((resolve, reject) => {
    proc.stdout!.on('data', (d: Buffer) => {
      text += d.toString();
      const m = /Listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(text);
      if (m) resolve({ port: Number(m[1]), exited, output: () => text });
    });
    proc.stderr!.on('data', (d: Buffer) => void (text += d.toString()));
    void exited.then(() => reject(new Error(`the server exited before listening:\n${text}`)));
  });
}

function send(agent: Agent, port: number, path: string, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent, method: body ? 'POST' : 'GET', headers: body ? { 'content-type': 'application/json' } : { authorization: `Bearer ${ADMIN_TOKEN}` } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body: text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Calls until stopped, a few at a time; remembers when each eventId was answered 200. */
function load(port: number, round: number, answered: Map<string, number>) {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const template = example('call-action');
  let stop = false;
  let n = 0;
  const worker = async () => {
    while (!stop) {
      const id = `crash-${round}-${n++}`;
      const event = { ...template, payload: { ...template.payload, eventId: id, sessionId: id, callId: id } };
      try {
        const res = await send(agent, port, '/webhooks/call-action', JSON.stringify(event));
        if (res.status === 200) answered.set(id, Date.now());
      } catch {
        return; // the server was killed
      }
    }
  };
  const running = Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return {
    stop: async () => {
      stop = true;
      await running;
      agent.destroy();
    },
  };
}

describe('the decision log under kill -9', () => {
  it(`survives ${KILLS} SIGKILLs under load: opens again, stays intact, loses nothing older than the flush window`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'call-log-crash-'));
    try {
      cpSync(join(root, 'rules'), join(dir, 'rules'), { recursive: true });
      const callLog = join(dir, 'data', 'calls.sqlite');
      const rounds: { answered: Map<string, number>; killedAt: number }[] = [];

      for (let round = 0; round <= KILLS; round++) {
        const server = await start(dir, callLog);
        const agent = new Agent({ keepAlive: false });
        if (round > 0) {
          // The log opened again by itself: the last round's early answers are there at once.
          const previous = rounds[round - 1]!;
          const early = [...previous.answered].find(([, at]) => at < previous.killedAt - FLUSH_WINDOW_MS - MARGIN_MS);
          // (503 while the writer thread is still opening the file, for a moment after start.)
          if (early) await expect.poll(async () => (await send(agent, server.port, `/calls/${early[0]}`)).status, { timeout: 20_000, interval: 50 }).toBe(200);
        }
        if (round === KILLS) {
          child!.kill('SIGTERM');
          await server.exited;
          break;
        }
        const answered = new Map<string, number>();
        const traffic = load(server.port, round, answered);
        // Kill at a random moment once some answers are older than the window (on a busy
        // machine that takes longer), so every round has calls the log must hold.
        const extra = Math.random() * 500;
        const deadline = Date.now() + 30_000;
        while (Date.now() < deadline) {
          const first = Math.min(...answered.values());
          if (Date.now() > first + FLUSH_WINDOW_MS + MARGIN_MS + extra) break;
          await new Promise((r) => setTimeout(r, 20));
        }
        const killedAt = Date.now();
        child!.kill('SIGKILL');
        await server.exited;
        await traffic.stop();
        rounds.push({ answered, killedAt });
      }

      const store = new SqliteCallStore(callLog);
      try {
        expect(store.integrityCheck()).toBe('ok');
        let checked = 0;
        const missing: string[] = [];
        for (const { answered, killedAt } of rounds) {
          for (const [eventId, at] of answered) {
            if (at >= killedAt - FLUSH_WINDOW_MS - MARGIN_MS) continue;
            checked++;
            if (store.session(eventId).length !== 1) missing.push(`${eventId} (answered ${killedAt - at} ms before the kill)`);
          }
        }
        expect(missing).toEqual([]);
        // The test is only worth something if calls were answered well before the kills.
        expect(checked).toBeGreaterThanOrEqual(KILLS);
      } finally {
        store.close();
      }
    } finally {
      await stopChild();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});

import type { ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { connect as connectTcp } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { SqliteCallStore } from '../src/store/sqlite-call-store.js';
import { builtMain, ensureBuilt, root } from './helpers/built-cli.js';
import { spawnForTest } from './helpers/processes.js';
import { example } from './helpers/webhook-app.js';

const main = builtMain;
const SECRET = 'Bearer shutdown-test-secret';

/** Output of a child process as it arrives, with a way to wait for a line. */
function watchOutput(child: ChildProcess) {
  let text = '';
  const waiters: Array<() => void> = [];
  child.stdout!.on('data', (d: Buffer) => {
    text += d.toString();
    for (const w of waiters.splice(0)) w();
  });
  child.stderr!.on('data', (d: Buffer) => void (text += d.toString()));
  const waitFor = (pattern: RegExp) =>
    new Promise<RegExpMatchArray>((resolve) => {
      const check = () => {
        const m = pattern.exec(text);
        if (m) resolve(m);
        else waiters.push(check);
      };
      check();
    });
  return { waitFor, text: () => text };
}

/** A request whose headers the server has accepted (100 Continue) but whose body is not sent yet. */
function openRequest(port: number, body: string): Promise<{ req: ClientRequest; response: Promise<{ status: number; body: string }> }> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/webhooks/call-action',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), expect: '100-continue', authorization: SECRET },
    });
    const response = new Promise<{ status: number; body: string }>((done, fail) => {
      req.on('response', (res: IncomingMessage) => {
        let data = '';
        res.on('data', (d: Buffer) => (data += d.toString()));
        res.on('end', () => done({ status: res.statusCode ?? 0, body: data }));
      });
      req.on('error', fail);
    });
    req.on('continue', () => resolve({ req, response }));
    req.on('error', reject);
    req.flushHeaders();
  });
}

/**
 * A GET /readyz whose headers are only half sent, as a load balancer's probe caught mid-request:
 * the connection is busy, so a drain keeps it open. `finish()` sends the rest and reads the answer.
 */
function halfSentReadyz(port: number): Promise<{ finish(): Promise<{ status: number; body: unknown }> }> {
  return new Promise((resolve, reject) => {
    const socket = connectTcp(port, '127.0.0.1', () => {
      socket.write('GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\n');
      resolve({
        finish: () =>
          new Promise((done, fail) => {
            let raw = '';
            socket.on('data', (d: Buffer) => (raw += d.toString()));
            socket.on('end', () => {
              const [head = '', body = ''] = raw.split('\r\n\r\n');
              done({ status: Number(head.split(' ')[1]), body: JSON.parse(body) });
            });
            socket.on('error', fail);
            socket.end('Connection: close\r\n\r\n');
          }),
      });
    });
    socket.on('error', reject);
  });
}

function connect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/healthz' }, (res) => {
      res.resume();
      resolve(`status ${res.statusCode}`);
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    req.end();
  });
}

// The test runs the built server, as production does; rebuilt only when the sources are newer.
beforeAll(() => ensureBuilt(), 240_000);

describe('SIGTERM on the real server', () => {
  it('turns /readyz 503, stops accepting, answers every request in flight, writes the decision log, removes the pid file and exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'router-shutdown-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    cpSync(join(root, 'rules'), join(dir, 'rules'), { recursive: true });
    const callLog = join(dir, 'data', 'calls.sqlite');
    const pidFile = join(dir, 'router.pid');
    // The README's production command: node runs the built CLI itself, so the signal reaches it.
    const child = spawnForTest(process.execPath, [main, 'serve', '--rules', join(dir, 'rules'), '--port', '0', '--host', '127.0.0.1', '--pid-file', pidFile], {
      cwd: dir,
      env: { ...process.env, CALL_LOG: callLog, WEBHOOK_AUTH: SECRET, LOG_FORMAT: 'json', DEADLINE_MS: '30000' },
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const output = watchOutput(child);
    const port = Number((await output.waitFor(/Listening on http:\/\/127\.0\.0\.1:(\d+)/))[1]);
    expect(readFileSync(pidFile, 'utf8').trim()).toBe(String(child.pid));
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);

    const bodies = Array.from({ length: 5 }, (_, i) => {
      const event = example('call-action');
      event.payload.eventId = `shutdown-event-${i}`;
      event.payload.sessionId = `shutdown-session-${i}`;
      return JSON.stringify(event);
    });
    const inFlight = await Promise.all(bodies.map((b) => openRequest(port, b)));
    const probe = await halfSentReadyz(port);

    child.kill('SIGTERM');
    await output.waitFor(/SIGTERM: shutting down/);
    // Refused, or reset if it raced into the backlog as the port closed: either way, not served.
    expect(['ECONNREFUSED', 'ECONNRESET']).toContain(await connect(port));
    // A probe already on its way is answered: not ready, because draining.
    expect(await probe.finish()).toEqual({ status: 503, body: expect.objectContaining({ ready: false, state: 'draining' }) });

    inFlight.forEach(({ req }, i) => req.end(bodies[i]));
    const answers = await Promise.all(inFlight.map(({ response }) => response));
    for (const a of answers) {
      expect(a.status).toBe(200);
      expect(JSON.parse(a.body).clientActionId).toBe('sg-support');
    }

    expect(await exited).toBe(0);
    expect(output.text()).toContain('"msg":"stopped"');
    expect(existsSync(pidFile)).toBe(false);
    const store = new SqliteCallStore(callLog);
    try {
      for (let i = 0; i < 5; i++) expect(store.session(`shutdown-session-${i}`).map((r) => r.ruleId)).toEqual(['sg-support']);
    } finally {
      store.close();
    }
  });
});

describe('process guards', () => {
  it('logs a stray rejected promise and keeps the process running', async () => {
    const script = `
      const { installProcessGuards } = await import(${JSON.stringify(join(root, 'dist/log/process-guards.js'))});
      installProcessGuards((entry) => console.log(JSON.stringify(entry)));
      Promise.reject(new Error('nobody awaited this'));
      setTimeout(() => console.log('still serving'), 20);
    `;
    const child = spawnForTest(process.execPath, ['--input-type=module', '-e', script]);
    const output = watchOutput(child);
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    expect(output.text()).toContain('"msg":"unhandled-rejection"');
    expect(output.text()).toContain('nobody awaited this');
    expect(output.text()).toContain('still serving');
  });
});

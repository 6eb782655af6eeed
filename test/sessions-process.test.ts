import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { run } from '../src/cli/run.js';
import { SessionStore } from '../src/sessions/session-store.js';
import { Sessions } from '../src/sessions/sessions-service.js';
import { capture } from './helpers/capture.js';
import { spawnForTest } from './helpers/processes.js';
import { startServer, type RunningServer } from './helpers/server.js';
import { DRIVER, MASKING_FOLDER, RIDER, TOKEN, VN1, writeFolder } from './helpers/sessions.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sessions-proc-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('kill -9 right after a 201', () => {
  it('loses no acknowledged session', async () => {
    const dir = tempDir();
    const rules = join(dir, 'rules');
    mkdirSync(rules);
    writeFolder(rules, MASKING_FOLDER);
    const db = join(dir, 'sessions.sqlite');
    let server: RunningServer | undefined;
    // A child killed by a signal has no exit code, only a signal code: stop it only if it still runs.
    cleanups.push(() => (server && server.child.exitCode === null && server.child.signalCode === null ? server.stop('SIGKILL') : undefined));
    server = await startServer(['--rules', rules, '--no-watch'], { API_TOKEN: TOKEN, SESSIONS_DB: db, CALL_LOG: 'off', LOG_LEVEL: 'warn' });
    const url = server.url;

    const acknowledged: string[] = [];
    const child = server.child;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const TARGET = 25;
    await new Promise<void>((resolve) => {
      let sent = 0;
      const send = () => {
        const i = sent++;
        fetch(`${url}/sessions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify({ parties: [`+659111${String(1000 + i)}`, `+659222${String(1000 + i)}`], virtualNumber: VN1, ttl: 3600 }),
        })
          .then(async (res) => {
            if (res.status === 201) acknowledged.push(((await res.json()) as { id: string }).id);
            if (acknowledged.length >= TARGET && child.exitCode === null) {
              child.kill('SIGKILL');
              resolve();
            } else if (child.exitCode === null) send();
          })
          .catch(() => resolve()); // requests in flight when the process died
      };
      for (let k = 0; k < 4; k++) send();
    });
    await exited;
    expect(acknowledged.length).toBeGreaterThanOrEqual(TARGET);

    const store = new SessionStore(db);
    try {
      for (const id of acknowledged) expect(store.get(id)?.status, id).toBe('open');
    } finally {
      store.close();
    }
  }, 60_000);
});

describe('npm run sessions -- import', () => {
  it('loads a pairs table into the sessions file; importing it again creates nothing new', async () => {
    const dir = tempDir();
    const csv = join(dir, 'pairs.csv');
    writeFileSync(csv, `virtualNumber,partyA,partyB,expires\n${VN1},${RIDER},${DRIVER},2099-01-01T00:00:00Z\n${VN1},+6591110002,+6592220002,\n${VN1},+6591110003,+6592220003,2001-01-01T00:00:00Z\n`);
    const db = join(dir, 'sessions.sqlite');
    const env = { SESSIONS_DB: db };
    const first = capture();
    expect(await run(['sessions', 'import', csv], first, capture(), env)).toBe(0);
    expect(first.text).toContain('imported 2 sessions');
    expect(first.text).toContain('1 rows had already expired');
    const again = capture();
    expect(await run(['sessions', 'import', csv], again, capture(), env)).toBe(0);
    expect(again.text).toContain('imported 0 sessions');

    const sessions = new Sessions({ path: db, pools: () => undefined });
    try {
      expect(sessions.lookup.otherParty(RIDER, VN1, Date.now())?.peer).toBe(DRIVER);
      expect(sessions.lookup.otherParty('+6592220002', VN1, Date.now())?.peer).toBe('+6591110002');
      expect(sessions.openCount).toBe(2);
    } finally {
      await sessions.close();
    }
  });

  it('imports nothing when a row is wrong, and says where: file:line:col', async () => {
    const dir = tempDir();
    const csv = join(dir, 'pairs.csv');
    writeFileSync(csv, `virtualNumber,partyA,partyB\n${VN1},${RIDER},${DRIVER}\n${VN1},+6591110002,driver-2\n`);
    const err = capture();
    expect(await run(['sessions', 'import', csv], capture(), err, { SESSIONS_DB: join(dir, 's.sqlite') })).toBe(1);
    expect(err.text).toContain(`${csv}:3:25`);
    expect(err.text).toContain('nothing imported');
  });
});

/** A Call Action to the running server; where the callflow sends the call (`else` when it does not connect it). */
async function callTo(url: string, source: string, destination: string, n: number): Promise<string> {
  const payload = { eventId: `e${n}`, callId: `call-${n}`, sessionId: `s${n}`, source, destination, callStatus: 'CALL_RECEIVED', callDirection: 'INBOUND', sourceFormat: 'MSISDN', destinationFormat: 'MSISDN' };
  const res = await fetch(`${url}/webhooks/call-action`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ payload }) });
  const flow = (await res.json()) as { callflow: { action: string; params: { destination?: string } }[] };
  return flow.callflow.find((a) => a.action === 'makeCall')?.params.destination ?? 'else';
}

describe('an import while the server runs', () => {
  it('routes the imported pairs without a restart', async () => {
    const dir = tempDir();
    const rules = join(dir, 'rules');
    mkdirSync(rules);
    writeFolder(rules, MASKING_FOLDER);
    const db = join(dir, 'sessions.sqlite');
    const env = { SESSIONS_DB: db, CALL_LOG: 'off', LOG_LEVEL: 'warn' };
    const server = await startServer(['--rules', rules, '--no-watch'], env);
    expect(await callTo(server.url, RIDER, VN1, 1)).toBe('else');

    const csv = join(dir, 'pairs.csv');
    writeFileSync(csv, `virtualNumber,partyA,partyB\n${VN1},${RIDER},${DRIVER}\n`);
    const importer = spawnForTest(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'sessions', 'import', csv], { env: { ...process.env, ...env } });
    let out = '';
    importer.stdout!.on('data', (d) => (out += d));
    const [code] = (await once(importer, 'exit')) as [number | null];
    expect(code, out).toBe(0);
    expect(out).toContain('imported 1 sessions');

    // The server looks for new writes every 500 ms; the bound here is generous for a loaded machine.
    let routed = 'else';
    for (let n = 2; n < 100 && routed === 'else'; n++) {
      routed = await callTo(server.url, RIDER, VN1, n);
      if (routed === 'else') await new Promise((r) => setTimeout(r, 100));
    }
    expect(routed).toBe(DRIVER);
    expect(await callTo(server.url, DRIVER, VN1, 200)).toBe(RIDER);
  }, 60_000);
});

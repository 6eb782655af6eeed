import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Sessions } from '../src/sessions/sessions-service.js';
import { DRIVER, RIDER, RIDER2, VN1, VN2 } from './helpers/sessions.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Two handles on one sessions file, as two processes have: each its own connection, writer thread and index. */
function twoOnOneFile(): { writer: Sessions; server: Sessions } {
  const dir = mkdtempSync(join(tmpdir(), 'sessions-catch-up-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'sessions.sqlite');
  const open = () => {
    const s = new Sessions({ path, pools: () => undefined });
    cleanups.push(() => s.close());
    return s;
  };
  return { server: open(), writer: open() };
}

async function create(s: Sessions, parties: [string, string], virtualNumber: string, extra: { expiresAt?: number; record?: boolean } = {}) {
  const r = await s.create({ parties, virtualNumber, ...extra }, `${parties.join()}${virtualNumber}`);
  if (!r.ok) throw new Error(r.message);
  return r.session;
}

describe('catching up with writes made by another process on the same file', () => {
  it('reads a big import in steps, with the event loop free between them (calls are answered meanwhile)', async () => {
    const { writer, server } = twoOnOneFile();
    const party = (prefix: string, i: number) => `${prefix}${String(1_000_000 + i).padStart(7, '0')}`;
    await Promise.all(Array.from({ length: 1200 }, (_, i) => create(writer, [party('+6591', i), party('+6581', i)], VN1)));
    // How often the loop turns (runs its immediates) while the catch-up reads 1,200 changes, 500 a step.
    let turns = 0;
    let reading = true;
    const turn = () => {
      turns++;
      if (reading) setImmediate(turn);
    };
    setImmediate(turn);
    const caughtUp = await server.catchUp();
    reading = false;
    expect(caughtUp).toBe(1200);
    expect(turns).toBeGreaterThanOrEqual(3);
    expect(server.lookup.otherParty(party('+6591', 1199), VN1, Date.now())?.peer).toBe(party('+6581', 1199));
  });

  it('a session opened elsewhere routes after a catch-up; extended elsewhere, it takes the new end; closed elsewhere, it stops', async () => {
    const { writer, server } = twoOnOneFile();
    const now = Date.now();
    const s = await create(writer, [RIDER, DRIVER], VN1, { expiresAt: now + 60_000 });
    expect(server.lookup.otherParty(RIDER, VN1, now)).toBeUndefined();
    expect(await server.catchUp()).toBe(1);
    expect(server.lookup.otherParty(RIDER, VN1, now)?.peer).toBe(DRIVER);
    expect(server.lookup.otherParty(DRIVER, VN1, now)?.peer).toBe(RIDER);

    await writer.update(s.id, { expiresAt: now + 3_600_000, record: true });
    await server.catchUp();
    expect(server.lookup.otherParty(RIDER, VN1, now + 120_000)).toMatchObject({ peer: DRIVER, record: true });

    await writer.update(s.id, { close: true });
    await server.catchUp();
    expect(server.lookup.otherParty(RIDER, VN1, now)).toBeUndefined();
    expect(server.openCount).toBe(0);
  });

  it('nothing changed: a catch-up finds nothing; its own writes come back and change nothing', async () => {
    const { server } = twoOnOneFile();
    expect(await server.catchUp()).toBe(0);
    const mine = await create(server, [RIDER, DRIVER], VN1);
    await server.catchUp();
    expect(server.openCount).toBe(1);
    expect(server.index.get(mine.id)).toBe(mine);
    expect(await server.catchUp()).toBe(0);
  });

  it('its own commits are not read back, unless another process wrote before them: then everything since is', async () => {
    const { writer, server } = twoOnOneFile();
    await create(server, [RIDER, DRIVER], VN1);
    expect(await server.catchUp()).toBe(0);
    const theirs = await create(writer, [RIDER2, '+6591110003'], VN1);
    const mine = await create(server, [RIDER, DRIVER], VN2);
    // Their write came first: this catch-up reads it, and ours after it (which changes nothing).
    expect(await server.catchUp()).toBe(2);
    expect(server.lookup.otherParty(RIDER2, VN1, Date.now())?.peer).toBe('+6591110003');
    expect(server.index.get(mine.id)).toBe(mine);
    expect(server.index.get(theirs.id)?.status).toBe('open');
    expect(await server.catchUp()).toBe(0);
  });

  it('a close and a catch-up queued together: the session stays closed, also before the next catch-up', async () => {
    const { server } = twoOnOneFile();
    // Created here and not caught up yet: the catch-up will read the row while it is still open on disk.
    const s = await create(server, [RIDER, DRIVER], VN1);
    const [closed] = await Promise.all([server.update(s.id, { close: true }), server.catchUp()]);
    expect(closed.ok).toBe(true);
    expect(server.lookup.otherParty(RIDER, VN1, Date.now())).toBeUndefined();
    await server.catchUp();
    expect(server.lookup.otherParty(RIDER, VN1, Date.now())).toBeUndefined();
  });

  it('the file keeps the rule "one open session per party and number" across processes: the later create is refused', async () => {
    const { writer, server } = twoOnOneFile();
    await create(writer, [RIDER, DRIVER], VN1);
    const r = await server.create({ parties: [RIDER, RIDER2], virtualNumber: VN1 }, 'h');
    expect(r).toMatchObject({ ok: false, status: 409, code: 'party-busy' });
    await server.catchUp();
    expect(server.lookup.otherParty(RIDER, VN1, Date.now())?.peer).toBe(DRIVER);
    expect((await create(server, [RIDER, RIDER2], VN2)).virtualNumber).toBe(VN2);
  });

  it('a create the file refuses fails alone: the others committed with it are created, and durable', async () => {
    const { writer, server } = twoOnOneFile();
    await create(writer, [RIDER, DRIVER], VN1);
    // Queued together, so they go to the file in one commit; the first breaks the file's rule.
    const [refused, ...created] = await Promise.all([
      server.create({ parties: [RIDER, RIDER2], virtualNumber: VN1 }, 'a'),
      server.create({ parties: [RIDER2, '+6591110003'], virtualNumber: VN2 }, 'b'),
      server.create({ parties: [RIDER, DRIVER], virtualNumber: VN2 }, 'c'),
    ]);
    expect(refused).toMatchObject({ ok: false, status: 409, code: 'party-busy' });
    expect(created.map((r) => r.ok)).toEqual([true, true]);
    const ids = created.map((r) => (r.ok ? r.session.id : ''));
    // Another handle on the file reads them from the disk.
    await writer.catchUp();
    for (const id of ids) expect(writer.index.get(id)?.status).toBe('open');
    expect(writer.openCount).toBe(3);
  });

  it('a big import arrives whole, in several steps', async () => {
    const { writer, server } = twoOnOneFile();
    const n = 4500;
    await Promise.all(Array.from({ length: n }, (_, i) => create(writer, [`+6591${String(100000 + i)}`, `+6581${String(100000 + i)}`], VN1)));
    expect(await server.catchUp()).toBe(n);
    expect(server.openCount).toBe(n);
    expect(server.lookup.otherParty('+6581104499', VN1, Date.now())?.peer).toBe('+6591104499');
  });
});

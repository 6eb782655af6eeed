import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Sessions } from '../src/sessions/sessions-service.js';

/**
 * Commits under load wait for more writes to share their flush to disk (commitEveryMs); a write
 * that finds nothing queued commits at once. Real SQLite file, real writer thread; the pacing is
 * set long (600 ms) so that what waited and what did not cannot be confused on a slow machine.
 */
const EVERY_MS = 600;
const open: Sessions[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function sessions(): Sessions {
  const dir = mkdtempSync(join(tmpdir(), 'commit-pacing-'));
  dirs.push(dir);
  const s = new Sessions({ path: join(dir, 'sessions.sqlite'), pools: () => undefined, commitEveryMs: EVERY_MS });
  open.push(s);
  return s;
}
const pair = (i: number) => ({ parties: [`+659111${String(i).padStart(4, '0')}`, `+659222${String(i).padStart(4, '0')}`] as [string, string], virtualNumber: '+6568332049' });
const elapsed = (since: number) => performance.now() - since;

describe('commit pacing', () => {
  it('a create with nothing queued is committed at once, and so is each of a client creating one after another', async () => {
    const s = sessions();
    const t0 = performance.now();
    for (let i = 0; i < 5; i++) expect((await s.create(pair(i))).ok).toBe(true);
    // Five commits of their own; paced, they would have taken at least 4 × 600 ms.
    expect(elapsed(t0)).toBeLessThan(EVERY_MS);
  });

  it('creates that arrive while a commit is on its way wait for the next commit, and share it', async () => {
    const s = sessions();
    const t0 = performance.now();
    const first = s.create(pair(0));
    // Let the first commit start (it is kicked on the next turn), then arrive during it.
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    const later = Array.from({ length: 20 }, (_, i) => s.create(pair(i + 1)).then((r) => ({ ok: r.ok, at: elapsed(t0) })));
    expect((await first).ok).toBe(true);
    expect(elapsed(t0)).toBeLessThan(EVERY_MS);
    const answered = await Promise.all(later);
    expect(answered.every((a) => a.ok)).toBe(true);
    const times = answered.map((a) => a.at);
    expect(Math.min(...times)).toBeGreaterThanOrEqual(EVERY_MS - 5);
    // One commit for all twenty: answered together, not one pacing interval apart.
    expect(Math.max(...times) - Math.min(...times)).toBeLessThan(EVERY_MS / 2);
    expect(s.openCount).toBe(21);
  });

  it('closing waits for the creates still waiting for their commit, and keeps them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'commit-pacing-'));
    dirs.push(dir);
    const path = join(dir, 'sessions.sqlite');
    const s = new Sessions({ path, pools: () => undefined, commitEveryMs: EVERY_MS });
    const first = s.create(pair(0));
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    const waiting = [s.create(pair(1)), s.create(pair(2))];
    await s.close();
    expect((await first).ok).toBe(true);
    expect((await Promise.all(waiting)).every((r) => r.ok)).toBe(true);
    const again = new Sessions({ path, pools: () => undefined });
    open.push(again);
    expect(again.openCount).toBe(3);
  });
});

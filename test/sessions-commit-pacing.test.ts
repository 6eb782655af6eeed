import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Sessions } from '../src/sessions/sessions-service.js';

/**
 * Commits under load wait for more writes to share their flush to disk (commitEveryMs); a write
 * that finds nothing queued commits at once. Real SQLite file, real writer thread. The pacing is
 * set to an hour: a create that waited for it would never be answered within the test.
 */
const AN_HOUR = 3_600_000;
const open: Sessions[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function sessionsFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'commit-pacing-'));
  dirs.push(dir);
  return join(dir, 'sessions.sqlite');
}
function sessions(path: string, commitEveryMs?: number): Sessions {
  const s = new Sessions({ path, pools: () => undefined, ...(commitEveryMs === undefined ? {} : { commitEveryMs }) });
  open.push(s);
  return s;
}
const pair = (i: number) => ({ parties: [`+659111${String(i).padStart(4, '0')}`, `+659222${String(i).padStart(4, '0')}`] as [string, string], virtualNumber: '+6568332049' });
/** The first commit starts on the next turn (setImmediate); two turns later it is on its way. */
const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

describe('commit pacing', () => {
  it('a create with nothing queued is committed at once, and so is each of a client creating one after another', async () => {
    const s = sessions(sessionsFile(), AN_HOUR);
    for (let i = 0; i < 5; i++) expect((await s.create(pair(i))).ok).toBe(true);
    expect(s.openCount).toBe(5);
  });

  it('creates that arrive while a commit is on its way wait for the next commit; closing writes them at once, and they are kept', async () => {
    const path = sessionsFile();
    const s = new Sessions({ path, pools: () => undefined, commitEveryMs: AN_HOUR });
    const first = s.create(pair(0));
    await turns(2);
    const settled: boolean[] = [];
    const waiting = Array.from({ length: 20 }, (_, i) =>
      s.create(pair(i + 1)).then((r) => {
        settled.push(true);
        return r;
      }),
    );
    expect((await first).ok).toBe(true);
    // Without the pacing they would be committed right after the first (a few ms).
    await new Promise((r) => setTimeout(r, 100));
    expect(settled).toEqual([]);
    await s.close();
    expect((await Promise.all(waiting)).every((r) => r.ok)).toBe(true);
    expect(sessions(path).openCount).toBe(21);
  });
});

import { spawnSync } from 'node:child_process';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { handOverFile } from '../src/reload/hand-over-files.js';
import { RulesLoaderWorker } from '../src/reload/load-rules-in-worker.js';
import { removeDir, tempDir } from './helpers/reload-harness.js';

/** A pid that was a process a moment ago and is none now. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

const saved = process.env.TMPDIR;
const dirs: string[] = [];
afterEach(async () => {
  if (saved === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = saved;
  for (const d of dirs.splice(0)) await removeDir(d);
});

describe('the files a loader hands its rules over in', () => {
  it('are swept when their loader is gone, and only then', async () => {
    const tmp = await tempDir();
    dirs.push(tmp);
    // What a server killed with -9 mid-reload leaves behind, beside a file of a loader still running (this process).
    const orphan = handOverFile(deadPid(), 3, tmp);
    const live = handOverFile(process.pid, 1, tmp);
    const unrelated = join(tmp, 'router-rules-notes.txt');
    for (const f of [orphan, live, unrelated]) await writeFile(f, 'x');
    process.env.TMPDIR = tmp; // the loader's temporary folder (os.tmpdir() reads TMPDIR)
    const loader = new RulesLoaderWorker();
    try {
      const result = await loader.load('rules');
      expect(result.ruleSet).toBeDefined();
    } finally {
      await loader.close();
    }
    // The orphan is gone; the live loader's file and others' files stay; the loader's own hand-over was read and removed.
    const left = (await readdir(tmp)).filter((name) => name.startsWith('router-rules-')).sort();
    expect(left).toEqual([`router-rules-${process.pid}-1.bin`, 'router-rules-notes.txt']);
  });
});

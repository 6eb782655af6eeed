import { rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { statSync } from 'node:fs';
import { isWatchedPath } from '../src/reload/watch-rules.js';
import { removeDir, rulesYaml, SETTINGS, startHarness, tempDir, writeFiles, type Harness } from './helpers/reload-harness.js';

const settings = (fallback: string) => `voiceProfile: en-US-ZiraRUS\nfallback:\n  - say: ${JSON.stringify(fallback)}\n  - hangup\n`;

/** a answers vn-a; b answers vn-a and vn-b but comes after a; c lives in a sub-folder. */
const BASE = {
  'settings.yaml': settings('Fallback one'),
  '10-a.yaml': rulesYaml([{ id: 'a', when: '{ destinationRefId: vn-a }', say: 'A one' }]),
  '50-b.yaml': rulesYaml([{ id: 'b', when: '{ destinationRefId: [vn-a, vn-b] }', say: 'B one' }]),
  'sub/70-c.yaml': rulesYaml([{ id: 'c', when: '{ destinationRefId: vn-c }', say: 'C one' }]),
};

let harness: Harness | undefined;
let dir = '';

async function start(files: Record<string, string> = BASE): Promise<Harness> {
  dir = await tempDir();
  await writeFiles(dir, files);
  harness = await startHarness(dir);
  return harness;
}

afterEach(async () => {
  await harness?.close();
  harness = undefined;
  await removeDir(dir);
});

describe('which changes can change the rules', () => {
  const file = statSync(new URL(import.meta.url));
  const folder = statSync(new URL('.', import.meta.url));
  it.each([
    { path: '10-a.yaml', stats: file, watched: true },
    { path: 'sub/70-c.YML', stats: file, watched: true },
    { path: 'settings.yaml', stats: file, watched: true },
    { path: 'pairs/rides.csv', stats: file, watched: true },
    { path: 'sub', stats: folder, watched: true },
    { path: '..data', stats: folder, watched: true },
    { path: '..2026_01_01/10-a.yaml', stats: file, watched: true },
    { path: '.10-a.yaml.swp', stats: file, watched: false },
    { path: '10-a.yaml~', stats: file, watched: false },
    { path: '.#10-a.yaml', stats: file, watched: false },
    { path: '#10-a.yaml#', stats: file, watched: false },
    { path: '4913', stats: file, watched: false },
    { path: 'notes.txt', stats: file, watched: false },
    { path: '.git/HEAD', stats: file, watched: false },
    { path: '.git', stats: folder, watched: false },
  ])('$path: $watched', ({ path, stats, watched }) => {
    expect(isWatchedPath(path, stats)).toBe(watched);
  });
});

describe('a saved change reloads the rules', () => {
  it.each([
    { change: 'an edited file', ref: 'vn-a', says: ['A two'], act: () => writeFile(join(dir, '10-a.yaml'), rulesYaml([{ id: 'a', when: '{ destinationRefId: vn-a }', say: 'A two' }])) },
    { change: 'a new file', ref: 'vn-x', says: ['New first'], act: () => writeFile(join(dir, '05-new.yaml'), rulesYaml([{ id: 'new', say: 'New first' }])) },
    { change: 'a deleted file', ref: 'vn-a', says: ['B one'], act: () => rm(join(dir, '10-a.yaml')) },
    { change: 'a file renamed so it sorts first', ref: 'vn-a', says: ['B one'], act: () => rename(join(dir, '50-b.yaml'), join(dir, '05-b.yaml')) },
    { change: 'a file renamed to a non-rule name', ref: 'vn-b', says: ['Fallback one'], act: () => rename(join(dir, '50-b.yaml'), join(dir, '50-b.yaml.off')) },
    { change: 'an edit in a sub-folder', ref: 'vn-c', says: ['C two'], act: () => writeFile(join(dir, 'sub/70-c.yaml'), rulesYaml([{ id: 'c', when: '{ destinationRefId: vn-c }', say: 'C two' }])) },
    { change: 'a deleted sub-folder', ref: 'vn-c', says: ['Fallback one'], act: () => rm(join(dir, 'sub'), { recursive: true }) },
    { change: 'an edit of settings.yaml', ref: 'vn-x', says: ['Fallback two'], act: () => writeFile(join(dir, 'settings.yaml'), settings('Fallback two')) },
    {
      change: 'a file replaced by rename, as git pull and rsync do',
      ref: 'vn-a',
      says: ['A two'],
      act: async () => {
        await writeFile(join(dir, '.10-a.yaml.tmp'), rulesYaml([{ id: 'a', when: '{ destinationRefId: vn-a }', say: 'A two' }]));
        await rename(join(dir, '.10-a.yaml.tmp'), join(dir, '10-a.yaml'));
      },
    },
  ])('$change', async ({ ref, says, act }) => {
    const h = await start();
    const before = await h.health();
    await act();
    await h.waitForAnswer({ destinationRefId: ref }, says);
    const after = await h.health();
    expect(after).toMatchObject({ status: 'ok', lastReload: { ok: true, trigger: 'file-change', errors: [] } });
    expect(after.version).not.toBe(before.version);
    expect(h.logs).toContainEqual(expect.objectContaining({ msg: 'rules-reloaded', ok: true, version: after.version, rules: after.rules, files: after.files }));
  });
});

describe('a masking-pairs table', () => {
  it('reloads when its .csv is edited, so a new pair connects at once', async () => {
    const h = await start({
      'settings.yaml': SETTINGS,
      '20-m.yaml': 'rules:\n  - id: m\n    when: { destinationRefId: vn-m }\n    then: [{ makeCall: other-party }]\n    else:\n      - say: "No pair"\n',
      'pairs.csv': 'virtualNumber,partyA,partyB,expires\n',
    });
    const caller = { destinationRefId: 'vn-m', source: '+6591110001' };
    await h.waitForAnswer(caller, ['No pair']);
    await writeFile(join(dir, 'pairs.csv'), 'virtualNumber,partyA,partyB,expires\nvn-m,+6591110001,+6592220001,\n');
    // Connected to the other party: a makeCall, nothing said.
    await h.waitForAnswer(caller, []);
  });
});

describe('a bad edit changes nothing, and the next good edit recovers', () => {
  it.each([
    { problem: 'broken YAML', file: '10-a.yaml', text: 'rules:\n  - id: a\n\tthen: [hangup]\n', error: /^.*\/10-a\.yaml:3:1: error: YAML syntax: indent with spaces, not tabs/ },
    { problem: 'an unknown field', file: '10-a.yaml', text: 'rules:\n  - id: a\n    then: [hangup]\n    wen: { destinationRefId: vn-a }\n', error: /^.*\/10-a\.yaml:4:5: .*wen/ },
    { problem: 'a rule id used twice across files', file: '60-dup.yaml', text: rulesYaml([{ id: 'a', say: 'dup' }]), error: /^.*\/60-dup\.yaml:2:9: error: rule id `a` is already used at 10-a\.yaml:2:5/ },
    { problem: 'an empty folder', file: undefined, text: '', error: /no rule files found/ },
  ])('$problem', async ({ file, text, error }) => {
    const h = await start();
    const before = await h.health();
    if (file) await writeFile(join(dir, file), text);
    else for (const f of ['10-a.yaml', '50-b.yaml', 'sub/70-c.yaml']) await rm(join(dir, f));

    const failed = await h.waitForHealth((hh) => hh.status === 'degraded', 'the failed reload');
    expect(failed).toMatchObject({ version: before.version, rules: before.rules, loadedAt: before.loadedAt, lastReload: { ok: false, trigger: 'file-change' } });
    expect(failed.lastReload.errors.some((e) => error.test(e))).toBe(true);
    expect(await h.said({ destinationRefId: 'vn-a' })).toEqual(['A one']);
    expect(h.logs).toContainEqual(expect.objectContaining({ msg: 'rules-reload-failed', ok: false, version: before.version, errors: failed.lastReload.errors }));

    await writeFiles(dir, { ...BASE, '10-a.yaml': rulesYaml([{ id: 'a', when: '{ destinationRefId: vn-a }', say: 'A fixed' }]) });
    if (file && file !== '10-a.yaml') await rm(join(dir, file));
    await h.waitForAnswer({ destinationRefId: 'vn-a' }, ['A fixed']);
    expect(await h.waitForHealth((hh) => hh.status === 'ok', 'recovery')).toMatchObject({ lastReload: { ok: true, errors: [] } });
  });
});

describe('a Kubernetes ConfigMap swap', () => {
  /** The layout kubelet makes: visible files link into `..data`, which links to a timestamped folder. */
  async function mountConfigMap(target: string, version: string, files: Record<string, string>) {
    const folder = `..${version}`;
    await writeFiles(join(target, folder), files);
    await symlink(folder, join(target, '..data_tmp'));
    // rename() over the old link is the atomic swap kubelet does.
    await rename(join(target, '..data_tmp'), join(target, '..data'));
    for (const name of Object.keys(files)) await symlink(join('..data', name), join(target, name)).catch(() => undefined);
  }

  it('reloads on every swap of the ..data link and reads only the new files', async () => {
    dir = await tempDir();
    const files = (say: string) => ({ 'settings.yaml': settings('Fallback one'), '10-a.yaml': rulesYaml([{ id: 'a', when: '{ destinationRefId: vn-a }', say }]) });
    await mountConfigMap(dir, '2026_01_01', files('A one'));
    harness = await startHarness(dir);
    expect(await harness.said({ destinationRefId: 'vn-a' })).toEqual(['A one']);

    for (const [n, say] of [
      [2, 'A two'],
      [3, 'A three'],
    ] as const) {
      const old = (await harness.health()).version;
      await mountConfigMap(dir, `2026_01_0${n}`, files(say));
      await rm(join(dir, `..2026_01_0${n - 1}`), { recursive: true });
      await harness.waitForAnswer({ destinationRefId: 'vn-a' }, [say]);
      const health = await harness.health();
      expect(health).toMatchObject({ status: 'ok', rules: 1, files: 1 });
      expect(health.version).not.toBe(old);
    }
  });
});

describe('a deploy that replaces the whole folder', () => {
  const files = (say: string) => ({ 'settings.yaml': settings('Fallback one'), '10-a.yaml': rulesYaml([{ id: 'a', when: '{ destinationRefId: vn-a }', say }]) });

  it('reloads when the folder is deleted and created again, and keeps watching the new one', async () => {
    const h = await start(files('A one'));
    await rm(dir, { recursive: true });
    await h.waitForHealth((hh) => hh.status === 'degraded', 'the failed reload of the missing folder');
    expect(await h.said({ destinationRefId: 'vn-a' })).toEqual(['A one']);
    await writeFiles(dir, files('A two'));
    await h.waitForAnswer({ destinationRefId: 'vn-a' }, ['A two']);
    await writeFile(join(dir, '10-a.yaml'), rulesYaml([{ id: 'a', when: '{ destinationRefId: vn-a }', say: 'A three' }]));
    await h.waitForAnswer({ destinationRefId: 'vn-a' }, ['A three']);
  });

  it('reloads when a symlink to the folder is swapped to another release', async () => {
    dir = await tempDir();
    await writeFiles(join(dir, 'release-1'), files('A one'));
    await writeFiles(join(dir, 'release-2'), files('A two'));
    await symlink('release-1', join(dir, 'current'));
    harness = await startHarness(join(dir, 'current'));
    await symlink('release-2', join(dir, 'current.tmp'));
    await rename(join(dir, 'current.tmp'), join(dir, 'current'));
    await harness.waitForAnswer({ destinationRefId: 'vn-a' }, ['A two']);
    await writeFile(join(dir, 'release-2', '10-a.yaml'), rulesYaml([{ id: 'a', when: '{ destinationRefId: vn-a }', say: 'A three' }]));
    await harness.waitForAnswer({ destinationRefId: 'vn-a' }, ['A three']);
  });
});

describe('a burst of saves', () => {
  it('settles on the last one written, without crashing', async () => {
    const h = await start();
    for (let i = 1; i <= 50; i++) {
      await writeFile(join(dir, '10-a.yaml'), rulesYaml([{ id: 'a', when: '{ destinationRefId: vn-a }', say: `A ${i}` }]));
    }
    await h.waitForAnswer({ destinationRefId: 'vn-a' }, ['A 50']);
    await h.reloader.idle();
    // A manual reload now finds the same files: the last write is what serves.
    const report = await h.reloader.reload('check');
    expect(report).toMatchObject({ ok: true, version: (await h.health()).version });
    expect(await h.said({ destinationRefId: 'vn-a' })).toEqual(['A 50']);
    const reloads = h.logs.filter((l) => l.trigger === 'file-change');
    expect(reloads.length).toBeLessThan(50);
  });
});

import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadRules } from '../src/rules/load-rules.js';
import { removeDir, rulesYaml, SETTINGS, startHarness, tempDir, writeFiles, type Harness } from './helpers/reload-harness.js';

const ruleA = (say: string) => rulesYaml([{ id: 'a', when: '{ destinationRefId: vn-a }', say }]);

let harness: Harness | undefined;
let parent = '';
afterEach(async () => {
  await harness?.close();
  harness = undefined;
  await removeDir(parent);
});

describe('links that lead out of the rules folder or round in a loop', () => {
  it('are not followed: a change outside reloads nothing, a change inside still reloads', async () => {
    parent = await tempDir();
    const dir = join(parent, 'rules');
    await writeFiles(parent, { 'elsewhere/other.yaml': ruleA('outside') });
    await writeFiles(dir, { 'settings.yaml': SETTINGS, '10-a.yaml': ruleA('A one') });
    await symlink('..', join(dir, 'up'));
    await symlink('.', join(dir, 'loop'));
    harness = await startHarness(dir);
    expect(await harness.said({ destinationRefId: 'vn-a' })).toEqual(['A one']);

    // Through `up`, elsewhere/other.yaml would look like rules/up/elsewhere/other.yaml.
    await writeFile(join(parent, 'elsewhere', 'other.yaml'), ruleA('outside, edited'));
    await writeFile(join(parent, 'elsewhere', 'new.yaml'), ruleA('outside, new'));
    await new Promise((r) => setTimeout(r, 1000));
    expect(harness.logs.filter((l) => l.msg === 'rules-reloaded' || l.msg === 'rules-reload-failed')).toEqual([]);

    await writeFile(join(dir, '10-a.yaml'), ruleA('A two'));
    await harness.waitForAnswer({ destinationRefId: 'vn-a' }, ['A two']);
    expect((await harness.health()).status).toBe('ok');
  });
});

describe('a file the loader cannot read', () => {
  it('is reported by name when it appears (a link to a file that does not exist)', async () => {
    parent = await tempDir();
    await writeFiles(parent, { 'settings.yaml': SETTINGS, '10-a.yaml': ruleA('A one') });
    harness = await startHarness(parent);
    await symlink(join(parent, 'missing.yaml'), join(parent, '20-new.yaml'));
    const health = await harness.waitForHealth((h) => h.status === 'degraded', 'the failed reload of the unreadable file');
    expect(health.lastReload.errors).toEqual([`${join(parent, '20-new.yaml')}: error: cannot read this file: it was deleted while the rules were read, or it is a link to a file that does not exist`]);
    expect(await harness.said({ destinationRefId: 'vn-a' })).toEqual(['A one']);
  });

  it('that vanished after the folder was listed is named, not reported as "no such folder"', async () => {
    parent = await tempDir();
    await writeFiles(parent, { 'settings.yaml': SETTINGS, '10-a.yaml': ruleA('A one') });
    await mkdir(join(parent, 'sub'));
    await symlink(join(parent, 'sub', 'gone.yaml'), join(parent, 'sub', '30-gone.yaml'));
    const { diagnostics } = await loadRules(parent);
    expect(diagnostics).toEqual([expect.objectContaining({ code: 'unreadable', file: join(parent, 'sub', '30-gone.yaml') })]);
    expect(diagnostics[0]!.message).not.toContain('no such folder');
  });
});

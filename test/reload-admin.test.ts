import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ReloadReport } from '../src/reload/reload-rules.js';
import { removeDir, rulesYaml, SETTINGS, startHarness, tempDir, writeFiles, type Harness } from './helpers/reload-harness.js';

const TOKEN = 'test-admin-token';
let harness: Harness | undefined;
let dir = '';

async function start(adminToken: string | undefined): Promise<Harness> {
  dir = await tempDir();
  await writeFiles(dir, { 'settings.yaml': SETTINGS, '10-a.yaml': rulesYaml([{ id: 'a', say: 'A one' }]) });
  harness = await startHarness(dir, { watch: false, ...(adminToken ? { adminToken } : {}) });
  return harness;
}

afterEach(async () => {
  await harness?.close();
  harness = undefined;
  await removeDir(dir);
});

const reload = (h: Harness, authorization?: string, method = 'POST') => h.app.request('/admin/reload', { method, headers: authorization ? { authorization } : {} });

describe('POST /admin/reload access', () => {
  it.each([
    { who: 'anyone, when ADMIN_TOKEN is unset', token: undefined, header: `Bearer ${TOKEN}`, status: 404, code: 'admin-disabled' },
    { who: 'a caller without a token', token: TOKEN, header: undefined, status: 401, code: 'unauthorized' },
    { who: 'a caller with the wrong token', token: TOKEN, header: 'Bearer not-the-token', status: 401, code: 'unauthorized' },
  ])('is refused to $who', async ({ token, header, status, code }) => {
    const h = await start(token);
    const res = await reload(h, header);
    expect(res.status).toBe(status);
    expect(await res.json()).toMatchObject({ error: { code } });
    expect(h.logs.filter((l) => l.trigger === 'admin')).toEqual([]);
  });

  it('answers 405 to GET', async () => {
    const h = await start(TOKEN);
    const res = await reload(h, `Bearer ${TOKEN}`, 'GET');
    expect(res.status).toBe(405);
    expect(await res.json()).toMatchObject({ error: { code: 'method-not-allowed' } });
  });
});

describe('POST /admin/reload with the token', () => {
  it('loads the edited rules and reports the new version', async () => {
    const h = await start(TOKEN);
    const before = await h.health();
    await writeFile(join(dir, '20-b.yaml'), rulesYaml([{ id: 'b', say: 'B one' }]));
    const res = await reload(h, `Bearer ${TOKEN}`);
    expect(res.status).toBe(200);
    const report = (await res.json()) as ReloadReport;
    expect(report).toMatchObject({ ok: true, trigger: 'admin', rules: 2, files: 2, errors: [], warnings: [] });
    expect(report.version).not.toBe(before.version);
    expect(await h.health()).toMatchObject({ status: 'ok', version: report.version, lastReload: { ok: true, trigger: 'admin' } });
  });

  it('reports the errors of a bad edit and keeps the old rules serving', async () => {
    const h = await start(TOKEN);
    const before = await h.health();
    await writeFile(join(dir, '10-a.yaml'), 'rules:\n  - id: a\n    then: [hangupp]\n');
    const report = (await (await reload(h, `Bearer ${TOKEN}`)).json()) as ReloadReport;
    expect(report).toMatchObject({ ok: false, trigger: 'admin', version: before.version, rules: 1 });
    expect(report.errors).toEqual([expect.stringMatching(new RegExp(`^${dir}/10-a\\.yaml:3:12: .*hangup`))]);
    expect(await h.said()).toEqual(['A one']);
    expect(await h.health()).toMatchObject({ status: 'degraded', version: before.version, lastReload: { ok: false, errors: report.errors } });
  });

  it('runs reloads asked for at once as at most one more reload, and answers each with a result', async () => {
    const h = await start(TOKEN);
    await writeFile(join(dir, '20-b.yaml'), rulesYaml([{ id: 'b', say: 'B one' }]));
    const reports = await Promise.all(Array.from({ length: 5 }, async () => (await reload(h, `Bearer ${TOKEN}`)).json()));
    for (const r of reports) expect(r).toMatchObject({ ok: true, rules: 2 });
    expect(h.logs.filter((l) => l.trigger === 'admin').length).toBeLessThanOrEqual(2);
  });
});

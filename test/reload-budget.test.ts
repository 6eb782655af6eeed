import { afterEach, describe, expect, it } from 'vitest';
import { generateRules } from '../bench/make-rules-folder.js';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { makeCallActionPayload } from '../src/events/make-event.js';
import type { RulesHealth } from '../src/reload/live-rules.js';
import type { ReloadReport } from '../src/reload/reload-rules.js';
import { removeDir, rulesYaml, SETTINGS, tempDir, writeFiles } from './helpers/reload-harness.js';
import { startServer, type RunningServer } from './helpers/server.js';

const TOKEN = 'test-admin-token';
let server: RunningServer | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await server?.stop();
  server = undefined;
  for (const d of dirs.splice(0)) await removeDir(d);
});

async function serveSmallRules(env: NodeJS.ProcessEnv): Promise<{ dir: string; server: RunningServer }> {
  const dir = await tempDir();
  dirs.push(dir);
  await writeFiles(dir, { 'settings.yaml': SETTINGS, '00-first.yaml': rulesYaml([{ id: 'small', say: 'small rules', when: '{ destinationRefId: vn-small }' }]) });
  server = await startServer(['--rules', dir, '--no-watch'], { ADMIN_TOKEN: TOKEN, LOG_LEVEL: 'warn', ...env });
  return { dir, server };
}

const admin = { authorization: `Bearer ${TOKEN}` };

async function said(s: RunningServer): Promise<number> {
  const res = await fetch(`${s.url}/webhooks/call-action`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ eventType: 'CALL_ACTION', payload: makeCallActionPayload({ destinationRefId: 'vn-small' }) }),
  });
  return res.status;
}

describe('the reload budget', () => {
  it.each([
    // The smallest budgets allowed (1 s, 64 MB) against folders well past them: 200,000 rules take
    // several seconds to load even on a fast machine (40,000 came in under 1 s once the compile got
    // faster); 40,000 already need a few hundred MB.
    ['time', { RELOAD_TIMEOUT_MS: '1000' }, 200_000, 'took longer than 1 s (the reload time budget, reloadTimeoutMs)'],
    ['memory', { RELOAD_MEMORY_MB: '64' }, 40_000, 'needed more than 64 MB of memory (the reload memory budget, reloadMemoryMb)'],
  ])('stops a reload over its %s budget, says which limit, and keeps the last good rules', { timeout: 120_000 }, async (_what, env, rules, words) => {
    const { dir, server: s } = await serveSmallRules(env);
    await generateRules(dir, rules, 1);
    const reloading = fetch(`${s.url}/admin/reload`, { method: 'POST', headers: admin });
    // While it runs, /healthz says so and since when.
    // The console's status page says so too (issue 18: "a reload in progress").
    let health: RulesHealth | undefined;
    let consoleSaid = false;
    for (let i = 0; i < 200 && !(health?.reloading && consoleSaid); i++) {
      const now = (await (await fetch(`${s.url}/healthz`)).json()) as RulesHealth;
      if (!health?.reloading) health = now;
      consoleSaid ||= (await (await fetch(`${s.url}/console`, { headers: admin })).text()).includes('Reloading now');
    }
    expect(health?.reloading).toMatchObject({ trigger: 'admin', since: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
    expect(consoleSaid).toBe(true);
    const report = (await (await reloading).json()) as ReloadReport;
    expect(report.ok).toBe(false);
    expect(report.errors.join('\n')).toContain(words);
    expect(report.errors.join('\n')).toContain('the previous rules keep serving');
    expect(report.rules).toBe(1);
    const after = (await (await fetch(`${s.url}/healthz`)).json()) as RulesHealth;
    expect(after.reloading).toBeUndefined();
    expect(after.status).toBe('degraded');
    expect(await said(s)).toBe(200);
    // The next reload gets a fresh loader and works.
    await rm(join(dir, 'rules-000.yaml'));
    const next = (await (await fetch(`${s.url}/admin/reload`, { method: 'POST', headers: admin })).json()) as ReloadReport;
    expect(next).toMatchObject({ ok: true, rules: 1 });
  });
});

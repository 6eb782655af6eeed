import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../src/http/app.js';
import { LiveRules } from '../src/reload/live-rules.js';
import { loadRules } from '../src/rules/load-rules.js';
import { DRIVER, RIDER, RIDER2, sessionsHarness, VN1, type SessionsHarness } from './helpers/sessions.js';

const CONSOLE = 'console-sessions-token-7c2e';
let h: SessionsHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** The console of a server whose sessions API has the sessions `h` created. */
async function consoleOf(harness: SessionsHarness, withSessions = true) {
  const loaded = await loadRules(join(harness.dir, 'rules'));
  const app = createApp({ rules: new LiveRules(loaded.ruleSet!), consoleToken: CONSOLE, ...(withSessions ? { sessions: harness.sessions } : {}) });
  return async (path: string) => {
    const res = await app.request(path, { headers: { authorization: `Bearer ${CONSOLE}` } });
    return { status: res.status, html: await res.text() };
  };
}

describe('the console lists live masking sessions', () => {
  it('shows each open session, finds one by a party in any spacing, and hides closed ones', async () => {
    h = await sessionsHarness();
    const ride = (await (await h.api('POST', '/sessions', { parties: [RIDER, DRIVER], virtualNumber: VN1, ref: 'ride-4711', ttl: 3600 })).json()) as { id: string };
    const other = (await (await h.api('POST', '/sessions', { parties: [RIDER2, DRIVER], pool: 'rides', ref: 'ride-4712' })).json()) as { id: string };
    const page = await consoleOf(h);

    const all = await page('/console/sessions');
    expect(all.status).toBe(200);
    expect(all.html).toContain(ride.id);
    expect(all.html).toContain(other.id);
    expect(all.html).toContain('ride-4711');
    expect(all.html).toContain('aria-current="page"');

    const spaced = `+${RIDER.slice(1, 3)} ${RIDER.slice(3, 7)} ${RIDER.slice(7)}`;
    const found = await page(`/console/sessions?q=${encodeURIComponent(spaced)}`);
    expect(found.html).toContain(ride.id);
    expect(found.html).not.toContain(other.id);

    expect((await h.api('DELETE', `/sessions/${ride.id}`)).status).toBe(200);
    const after = await page('/console/sessions');
    expect(after.html).not.toContain(ride.id);
    expect(after.html).toContain(other.id);
  });

  it('says so when nothing matches, and when sessions are off', async () => {
    h = await sessionsHarness();
    expect((await (await consoleOf(h))('/console/sessions?q=%2B6581234567')).html).toContain('No open session has +6581234567 as a party.');
    expect((await (await consoleOf(h))('/console/sessions?q=not-a-number')).html).toContain('No open session has not-a-number as a party.');
    expect((await (await consoleOf(h, false))('/console/sessions')).html).toContain('Live masking sessions are off');
  });
});

import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Hono } from 'hono';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeRule } from '../src/console/describe-rule.js';
import { catalogueOf } from '../src/console/rule-catalogue.js';
import { weekView } from '../src/console/week-view.js';
import { createApp, type AppDeps } from '../src/http/app.js';
import { Metrics } from '../src/metrics/metrics.js';
import { LiveRules } from '../src/reload/live-rules.js';
import { loadRules } from '../src/rules/load-rules.js';
import { CallRecorder } from '../src/store/call-recorder.js';
import { connectInline } from '../src/store/call-log-writer.js';
import { SqliteCallStore } from '../src/store/sqlite-call-store.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const TOKEN = 'console-unit-token-3f9a';
const ADMIN = 'admin-unit-token-81bd';
const BEARER = { authorization: `Bearer ${TOKEN}` };
const HTML = { accept: 'text/html' };

let work = '';
let rulesDir = '';
let live: LiveRules;
let recorder: CallRecorder | undefined;

beforeEach(async () => {
  work = mkdtempSync(join(tmpdir(), 'console-pages-'));
  rulesDir = join(work, 'rules');
  cpSync(join(root, 'rules'), rulesDir, { recursive: true });
  const loaded = await loadRules(rulesDir);
  live = new LiveRules(loaded.ruleSet!);
});

afterEach(() => {
  recorder?.close();
  recorder = undefined;
  rmSync(work, { recursive: true, force: true });
});

function app(deps: Partial<AppDeps> = {}): Hono {
  const metrics = new Metrics(live);
  const store = new SqliteCallStore(join(work, 'calls.sqlite'));
  recorder = new CallRecorder(() => connectInline(store, { maxAgeMs: 86_400_000, maxRows: 1000, maxBytes: 64 * 1024 * 1024 }), { metrics, log: () => {} });
  return createApp({ rules: live, metrics, calls: recorder, rulesDir, consoleToken: TOKEN, adminToken: ADMIN, ...deps });
}

const PATHS = ['/console', '/console/', '/console/rules', '/console/try', '/console/week', '/console/calls', '/console/calls/s-1', '/console/login', '/console/assets/console.css', '/console/nope'];

async function callAction(a: Hono, payload: Record<string, string>) {
  const res = await a.request('/webhooks/call-action', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ eventType: 'CALL_ACTION', payload: { eventId: `ev-${payload.sessionId}`, callId: `call-${payload.sessionId}`, destination: '+6568332048', ...payload } }),
  });
  expect(res.status).toBe(200);
  return res.json();
}

describe('console access', () => {
  it.each(PATHS)('%s is 404 when neither a console nor an admin token is set', async (path) => {
    const a = app({ consoleToken: undefined, adminToken: undefined });
    expect((await a.request(path, { headers: BEARER })).status).toBe(404);
    expect((await a.request(path, { method: 'POST', headers: BEARER })).status).toBe(404);
  });

  it.each(['/console', '/console/rules', '/console/try', '/console/week', '/console/calls', '/console/calls/s-1'])('%s is 401 without the token or with a wrong one', async (path) => {
    const a = app();
    expect((await a.request(path)).status).toBe(401);
    expect((await a.request(path, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await a.request(path, { headers: { authorization: `Bearer ${ADMIN}` } })).status).toBe(401);
    expect((await a.request(path, { headers: { cookie: 'console_session=forged' } })).status).toBe(401);
    const page = await a.request(path, { headers: HTML });
    expect(page.status).toBe(401);
    expect(await page.text()).toContain('<form method="post" action="/console/login"');
  });

  it('opens with the admin token when no console token is set', async () => {
    const a = app({ consoleToken: undefined });
    expect((await a.request('/console', { headers: { authorization: `Bearer ${ADMIN}` } })).status).toBe(200);
  });

  it('signs in through the form with an HttpOnly, SameSite=Strict cookie that is not the token', async () => {
    const a = app();
    const wrong = await a.request('/console/login', { method: 'POST', body: new URLSearchParams({ token: 'nope', next: '/console/rules' }) });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();

    const ok = await a.request('/console/login', { method: 'POST', body: new URLSearchParams({ token: TOKEN, next: '/console/rules' }) });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe('/console/rules');
    const cookie = ok.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^console_session=[^;]+; Max-Age=\d+; Path=\/console; HttpOnly; SameSite=Strict/);
    expect(cookie).not.toContain(TOKEN);
    const pair = cookie.split(';')[0]!;
    expect((await a.request('/console/rules', { headers: { cookie: pair } })).status).toBe(200);

    const out = await a.request('/console/logout', { method: 'POST', headers: { cookie: pair } });
    expect(out.headers.get('set-cookie')).toMatch(/^console_session=; Max-Age=0/);
  });

  it.each(['//evil.example/x', 'https://evil.example/', '/elsewhere', '/console/../admin'])('does not send a signed-in person to %s', async (next) => {
    const ok = await app().request('/console/login', { method: 'POST', body: new URLSearchParams({ token: TOKEN, next }) });
    expect(ok.headers.get('location')).toBe('/console');
  });

  it('answers with no caching, no framing and scripts only from itself', async () => {
    const res = await app().request('/console', { headers: BEARER });
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
  });
});

describe('console pages', () => {
  it('every page is HTML with a skip link, labelled navigation and no secret or absolute path', async () => {
    const a = app();
    await callAction(a, { sessionId: 's-1', source: '+6581234567', destinationRefId: 'vn-ref-1', sourceCountryCode: 'SG' });
    for (const path of ['/console', '/console/rules', '/console/try?source=%2B6581234567&destinationRefId=vn-ref-1', '/console/week?number=vn-ref-4&week=2026-W33', '/console/calls', '/console/calls/s-1']) {
      const res = await a.request(path, { headers: BEARER });
      expect(res.status, path).toBe(200);
      const html = await res.text();
      expect(html.startsWith('<!DOCTYPE html><html lang="en">'), path).toBe(true);
      expect(html).toContain('<a class="skip" href="#main">Skip to content</a>');
      expect(html).toContain('<main id="main"');
      expect(html).toContain('aria-current="page"');
      for (const secret of [TOKEN, ADMIN, work, root]) expect(html, `${path} shows ${secret}`).not.toContain(secret);
    }
  });

  it('status shows a failed reload as file:line:col with the source line, relative to the rules folder', async () => {
    const a = app();
    const file = join(rulesDir, '50-support.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('dtmf: "1"', 'dtmf: "1'));
    expect(live.apply(await loadRules(rulesDir))).toBe(false);
    const html = await (await a.request('/console', { headers: BEARER })).text();
    expect(html).toMatch(/<p>50-support\.yaml:11:15: error: YAML syntax: [^<]*<\/p>/);
    expect(html).toContain('11 |       dtmf: &quot;1\n');
    expect(html).toContain('Failed: not applied');
    expect(html).not.toContain(rulesDir);
  });

  it('status counts calls and fallbacks per hour from the decision log', async () => {
    const a = app();
    await callAction(a, { sessionId: 's-1', source: '+6581234567', destinationRefId: 'vn-ref-1', sourceCountryCode: 'SG' });
    await callAction(a, { sessionId: 's-2', source: '+6581234567', destinationRefId: 'vn-ref-1', sourceCountryCode: 'SG' });
    const html = await (await a.request('/console', { headers: BEARER })).text();
    expect(html).toContain('<strong>2</strong> calls in the last 24 hours, <strong>0</strong> answered by the fallback.');
    expect(html).toContain('Recording');
  });

  it('status says when the decision log is off', async () => {
    const html = await (await createApp({ rules: live, consoleToken: TOKEN }).request('/console', { headers: BEARER })).text();
    expect(html).toContain('The decision log is off');
  });

  it('rules show hits and last hit, and mark rules not matched in N days', async () => {
    const a = app();
    await callAction(a, { sessionId: 's-1', source: '+6581234567', destinationRefId: 'vn-ref-1', sourceCountryCode: 'SG' });
    const html = await (await a.request('/console/rules?days=7', { headers: BEARER })).text();
    const item = (id: string) => html.slice(html.indexOf(`<span class="rule-id">${id}</span>`)).split('</li>')[0]!;
    expect(item('sg-support')).toMatch(/1 hit, last <time datetime="\d{4}-/);
    expect(item('sg-support')).not.toContain('Not matched');
    expect(item('vip-callers')).toContain('Not matched in 7 days');
    expect(html.indexOf('05-blocked.yaml')).toBeLessThan(html.indexOf('90-fallback.yaml'));
  });

  it('try a call shows the webhook answer, and names a bad field', async () => {
    const a = app();
    const query = 'source=%2B6581234567&destinationRefId=vn-ref-1&sourceCountryCode=SG&sessionId=s-9';
    const html = await (await a.request(`/console/try?${query}`, { headers: BEARER })).text();
    const shown = JSON.parse(decode(/<pre id="callflow"[^>]*>([^<]*)<\/pre>/.exec(html)![1]!));
    expect(shown).toEqual(await callAction(a, { sessionId: 's-9', source: '+6581234567', destinationRefId: 'vn-ref-1', sourceCountryCode: 'SG' }));
    expect(html).toContain(`value="http://localhost/console/try?${query.replaceAll('&', '&amp;')}"`);

    const bad = await a.request('/console/try?source=%2B6581234567&at=tomorrow', { headers: BEARER });
    expect(bad.status).toBe(400);
    const badHtml = await bad.text();
    expect(badHtml).toContain('aria-invalid="true"');
    expect(badHtml).toContain('is not a date and time');
  });

  it('try a call at a time reads the time in the chosen zone', async () => {
    const html = await (await app().request('/console/try?source=%2B6581234567&destinationRefId=vn-ref-4&at=2026-08-11T09%3A30&tz=Asia%2FSingapore', { headers: BEARER })).text();
    expect(html).toContain('by rule <span class="mono">helpdesk-open</span>');
    const night = await (await app().request('/console/try?source=%2B6581234567&destinationRefId=vn-ref-4&at=2026-08-11T23%3A30&tz=Asia%2FSingapore', { headers: BEARER })).text();
    expect(night).toContain('by rule <span class="mono">helpdesk-night</span>');
  });

  it.each([
    ['/console/week?number=vn-ref-99', 'No rule is written for the number'],
    ['/console/week?number=vn-ref-4&week=someday', 'is not a week'],
  ])('week view %s answers 400 in words', async (path, words) => {
    const res = await app().request(path, { headers: BEARER });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain(words);
  });

  it('calls are found by a number written with spaces, and an unknown session is 404', async () => {
    const a = app();
    await callAction(a, { sessionId: 's-1', source: '+6591110001', destinationRefId: 'vn-ref-3' });
    await callAction(a, { sessionId: 's-2', source: '+6581234567', destinationRefId: 'vn-ref-1' });
    const html = await (await a.request('/console/calls?q=%2B65+9111+0001', { headers: BEARER })).text();
    expect(html).toContain('href="/console/calls/s-1"');
    expect(html).not.toContain('href="/console/calls/s-2"');
    expect((await a.request('/console/calls/unknown', { headers: BEARER })).status).toBe(404);
  });
});

describe('a big rule set', () => {
  it('lists files instead of every rule, and shows one file when asked', async () => {
    const big = join(work, 'big');
    const lines = ['rules:'];
    for (let i = 0; i < 1001; i++) lines.push(`  - id: r-${i}`, `    when: { destinationRefId: vn-${i} }`, '    then:', '      - hangup');
    cpSync(join(root, 'rules/settings.yaml'), join(big, 'settings.yaml'));
    writeFileSync(join(big, 'many.yaml'), `${lines.join('\n')}\n`);
    const loaded = await loadRules(big);
    live = new LiveRules(loaded.ruleSet!);
    const a = app({ rulesDir: big });
    const index = await (await a.request('/console/rules', { headers: BEARER })).text();
    expect(index).toContain('1,001 rules in 1 file,');
    expect(index).toContain('href="/console/rules?file=many.yaml&amp;days=30"');
    expect(index).not.toContain('r-5</span>');
    const one = await (await a.request('/console/rules?file=many.yaml', { headers: BEARER })).text();
    expect(one).toContain('Only many.yaml, its first 1000 of 1001 rules.');
    expect(one).toContain('<span class="rule-id">r-999</span>');
    expect(one).not.toContain('<span class="rule-id">r-1000</span>');
  });
});

function decode(html: string): string {
  return html
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

describe('rules read as sentences', () => {
  it.each([
    ['blocked-callers', 'Calls from a number on the list blocked-callers', ['say “Sorry, calls from this number are not accepted.”', 'hang up']],
    ['sg-mobile-support', 'Calls to vn-ref-1 from Singapore (SG) from a number starting with +659', ['say “Welcome to support, connecting you now.”', 'connect +65 8765 4321 (recorded)']],
    ['helpdesk-open', 'Calls to vn-ref-4, Mon–Fri 09:00–18:00 Asia/Singapore, except sg-holidays', ['say “Welcome to the helpdesk.”', expect.stringMatching(/^share the calls: 70%: connect \+65 6123 4567; 30%: say/)]],
    ['helpdesk-night', 'Calls to vn-ref-4, every day 22:00–06:00 Asia/Singapore', expect.any(Array)],
    ['menu-sales', 'Calls to vn-ref-2 in answer to main-menu after pressing 1', ['say “Connecting you to sales.”', 'connect +65 6123 4567']],
    ['delivery-masking', 'Calls to +65 6833 2049', ["connect the other party of the caller's masking pair"]],
    ['order-pin-found', 'Calls in answer to a step of menu order-pin after typing the PIN of an open session on the called number', ['say “Connecting you now.”', 'connect the first party of that session']],
    ['everyone-else', 'Every call', expect.arrayContaining(['hang up'])],
  ])('%s', (id, when, steps) => {
    const rule = live.current().rules.find((r) => r.id === id)!;
    expect(describeRule(rule)).toMatchObject({ when, steps });
  });

  it('says what happens without a masking pair and which sub-account a file is for', () => {
    const rules = live.current().rules;
    expect(describeRule(rules.find((r) => r.id === 'ride-masking')!).otherwise).toEqual([expect.stringContaining('say “This trip has ended'), 'hang up']);
    expect(describeRule(rules.find((r) => r.file === '70-acme-my.yaml')!).when).toBe('Calls on sub-account acme-my from a country on the list asean');
  });
});

describe('week view', () => {
  it('answers each hour in the rules’ time zone, holidays included', async () => {
    const grid = weekView(live.current(), await catalogueOf(live.current()), { value: 'vn-ref-4', field: 'destinationRefId' }, '2026-08-10', { source: '+6581234567', sourceCountryCode: 'SG' });
    expect(grid.timezone).toBe('Asia/Singapore');
    expect(grid.days.map((d) => `${d.weekday} ${d.date}`)).toEqual(['Mon 2026-08-10', 'Tue 2026-08-11', 'Wed 2026-08-12', 'Thu 2026-08-13', 'Fri 2026-08-14', 'Sat 2026-08-15', 'Sun 2026-08-16']);
    expect(grid.days[0]!.holidays).toEqual(['sg-holidays']);
    expect(grid.cells[0]![10]).toBe('helpdesk-closed');
    expect(grid.cells[1]![8]).toBe('helpdesk-closed');
    expect(grid.cells[1]![9]).toBe('helpdesk-open');
    expect(grid.cells[1]![17]).toBe('helpdesk-open');
    expect(grid.cells[1]![18]).toBe('helpdesk-closed');
    expect(grid.cells[5]![12]).toBe('helpdesk-closed');
    expect(grid.cells[2]![5]).toBe('helpdesk-night');
    expect(grid.cells[2]![22]).toBe('helpdesk-night');
    expect(grid.answering).toEqual(['helpdesk-open', 'helpdesk-night', 'helpdesk-closed']);
  });
});

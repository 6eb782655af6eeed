import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULTS } from '../src/config/server-config.js';
import { createLogger } from '../src/log/create-logger.js';
import { loadRules } from '../src/rules/load-rules.js';
import { startServer, type RunningServer } from '../src/server/start-server.js';
import { launchChromium, type Browser } from './helpers/browser.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const CONSOLE_TOKEN = 'console-e2e-token-5b1f';
const ADMIN_TOKEN = 'admin-e2e-token-77c2';
const WEBHOOK_AUTH = 'Basic d2ViaG9vay1lMmUtc2VjcmV0';
// Screenshots go to docs/screenshots only when asked (npm run screenshots), so a test run leaves the tree as it was.
const SHOTS = process.env.SCREENSHOTS === '1' ? join(root, 'docs/screenshots') : mkdtempSync(join(tmpdir(), 'console-shots-'));
const LAPTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

let work = '';
let rulesDir = '';
let server: RunningServer | undefined;
let browser: Browser | undefined;
let base = '';
const seen: { path: string; html: string }[] = [];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'console-e2e-'));
  rulesDir = join(work, 'rules');
  cpSync(join(root, 'rules'), rulesDir, { recursive: true });
  mkdirSync(SHOTS, { recursive: true });
  const loaded = await loadRules(rulesDir);
  if (!loaded.ruleSet) throw new Error('the sample rules do not load');
  server = await startServer({
    config: { ...DEFAULTS, rulesDir, port: 0, host: '127.0.0.1', callLog: join(work, 'calls.sqlite'), consoleToken: CONSOLE_TOKEN, adminToken: ADMIN_TOKEN, webhookAuth: WEBHOOK_AUTH, watch: true },
    ruleSet: loaded.ruleSet,
    logger: createLogger({ level: 'silent' }),
  });
  base = `http://127.0.0.1:${server.port}`;
  browser = await launchChromium();
  // A few calls, so the rules, status and calls pages have something to show.
  await call({ source: '+6581234567', destinationRefId: 'vn-ref-1', sourceCountryCode: 'SG' });
  await call({ source: '+6591234567', destinationRefId: 'vn-ref-1', sourceCountryCode: 'SG' });
  await call({ source: '+6561234567', destinationRefId: 'vn-ref-4', sourceCountryCode: 'SG' });
  await call({ source: '+60123456789', destinationRefId: 'vn-ref-1', sourceCountryCode: 'MY' });
  // Signed in for every test; the first test signs out and in again through the form.
  expect((await browser.context.request.post(`${base}/console/login`, { form: { token: CONSOLE_TOKEN }, maxRedirects: 0 })).status()).toBe(303);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close('test');
  if (work) rmSync(work, { recursive: true, force: true });
  if (process.env.SCREENSHOTS !== '1') rmSync(SHOTS, { recursive: true, force: true });
});

async function open(page: Page, path: string): Promise<void> {
  const res = await page.goto(`${base}${path}`);
  expect(res?.status(), path).toBe(200);
  seen.push({ path, html: await page.content() });
}

async function shoot(page: Page, name: string): Promise<void> {
  for (const [size, viewport] of [
    ['laptop', LAPTOP],
    ['phone', PHONE],
  ] as const) {
    await page.setViewportSize(viewport);
    await page.screenshot({ path: join(SHOTS, `console-${name}-${size}.png`), fullPage: true });
  }
  await page.setViewportSize(LAPTOP);
}

async function webhook(body: string, path = '/webhooks/call-action'): Promise<unknown> {
  const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: WEBHOOK_AUTH }, body });
  expect(res.status, `${path}: ${body}`).toBe(200);
  return res.json();
}

let eventCount = 0;
/** A call as 8x8 would send it; the decision log records it. */
function call(fields: Record<string, string>): Promise<unknown> {
  const n = ++eventCount;
  return webhook(JSON.stringify({ eventType: 'CALL_ACTION', payload: { eventId: `e2e-ev-${n}`, callId: `e2e-call-${n}`, sessionId: `e2e-s-${n}`, destination: '+6568332048', callStatus: 'CALL_RECEIVED', ...fields } }));
}

/** One of 8x8's sample status or summary events, moved to `sessionId`. */
function sample(name: string, sessionId: string): string {
  const event = JSON.parse(readFileSync(join(root, 'test/fixtures/8x8', `${name}.json`), 'utf8'));
  event.payload.sessionId = sessionId;
  if (event.payload.eventId) event.payload.eventId = `${sessionId}-${name}`;
  return JSON.stringify(event);
}

describe('the console in a real browser', () => {
  it('answers 401 to a wrong token and the sign-in form lets a person in', async () => {
    expect((await fetch(`${base}/console`)).status).toBe(401);
    expect((await fetch(`${base}/console`, { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
    expect((await fetch(`${base}/console/rules`, { headers: { authorization: `Bearer ${CONSOLE_TOKEN}` } })).status).toBe(200);

    await browser!.context.clearCookies();
    const page = await browser!.context.newPage();
    const first = await page.goto(`${base}/console/rules`);
    expect(first?.status()).toBe(401);
    await page.fill('#token', 'not-the-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(await page.locator('#token-error').textContent()).toContain('not right');
    await shoot(page, 'sign-in');
    await page.fill('#token', CONSOLE_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${base}/console/rules`);
    expect(await page.locator('h1').textContent()).toBe('Rules');
    const cookie = (await browser!.context.cookies()).find((c) => c.name === 'console_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/console' });
    expect(cookie?.value).not.toContain(CONSOLE_TOKEN);
    await page.close();
  }, 60_000);

  it('shows the live rules on the status page, and the keyboard reaches the skip link first', async () => {
    const page = await browser!.context.newPage();
    await open(page, '/console');
    const health = (await (await fetch(`${base}/healthz`)).json()) as { version: string; rules: number };
    expect(await page.getByTestId('version').textContent()).toBe(health.version);
    expect(await page.locator('#live-rules').textContent()).toContain('Serving');
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(page.url()).toBe(`${base}/console#main`);
    await page.close();
  }, 60_000);

  it('reads each rule as a sentence, grouped by file', async () => {
    const page = await browser!.context.newPage();
    await open(page, '/console/rules');
    const text = (await page.locator('main').textContent()) ?? '';
    expect(text).toContain('Calls to vn-ref-1 from Singapore (SG)');
    expect(text).toContain('Mon–Fri 09:00–18:00 Asia/Singapore, except sg-holidays');
    expect(await page.locator('section.file h2').allTextContents()).toContain('30-helpdesk.yaml');
    const rule = (id: string) => page.locator('ol.rules > li').filter({ has: page.locator('.rule-id', { hasText: new RegExp(`^${id}$`) }) });
    expect(await rule('sg-support').locator('.rule-stats').textContent()).toMatch(/^1 hit, last \d{4}-/);
    expect(await rule('sg-support').textContent()).not.toContain('Not matched');
    expect(await rule('menu-sales').textContent()).toContain('Not matched in 30 days');
    await shoot(page, 'rules');
    await page.close();
  }, 60_000);

  it('tries a call: the callflow shown is the webhook answer for the same call, and its link reproduces it', async () => {
    const page = await browser!.context.newPage();
    await open(page, '/console/try');
    await page.fill('#source', '+6581234567');
    await page.fill('#destinationRefId', 'vn-ref-1');
    await page.fill('#sourceCountryCode', 'SG');
    await page.fill('#sessionId', 'e2e-session-1');
    await page.getByRole('button', { name: 'Try this call' }).click();
    await page.waitForSelector('#callflow');
    const shown = JSON.parse((await page.locator('#callflow').textContent())!);
    const event = (await page.locator('#event').textContent())!;
    expect(shown.clientActionId).toBe('sg-support');
    expect(await webhook(event)).toEqual(shown);
    expect(await page.locator('ol.skipped li').count()).toBeGreaterThan(0);

    const shared = await browser!.context.newPage();
    await open(shared, new URL(page.url()).pathname + new URL(page.url()).search);
    expect(JSON.parse((await shared.locator('#callflow').textContent())!)).toEqual(shown);
    await shared.close();

    // A helpdesk call on a working morning, for the screenshot: a split, and the rules before it explained.
    await open(page, '/console/try?source=%2B6591110001&destinationRefId=vn-ref-4&sourceCountryCode=SG&sessionId=ride-42&at=2026-08-11T10%3A00&tz=Asia%2FSingapore');
    expect(JSON.parse((await page.locator('#callflow').textContent())!).clientActionId).toBe('helpdesk-open');
    await shoot(page, 'try');
    await page.close();
  }, 60_000);

  it('shows the week of a virtual number with its holiday', async () => {
    const page = await browser!.context.newPage();
    await open(page, '/console/week?number=vn-ref-4&week=2026-W33');
    const header = await page.locator('table.week thead th').allTextContents();
    expect(header[1]).toContain('Holiday (sg-holidays)');
    const cells = await page.locator('table.week tbody td .sr-only').allTextContents();
    expect(cells).toContain('Mon 10:00 helpdesk-closed');
    expect(cells).toContain('Tue 10:00 helpdesk-open');
    expect(cells).toContain('Tue 23:00 helpdesk-night');
    await shoot(page, 'week');
    await page.close();
  }, 60_000);

  it('finds a call by number and tells its story', async () => {
    const event = JSON.stringify({
      eventType: 'CALL_ACTION',
      payload: { eventId: 'e2e-story-event', callId: 'e2e-story-call', sessionId: 'e2e-session-2', source: '+6591110001', destination: '+6568332048', destinationRefId: 'vn-ref-3', callStatus: 'CALL_RECEIVED' },
    });
    expect(await webhook(event)).toMatchObject({ clientActionId: 'ride-masking' });
    await webhook(sample('call-status', 'e2e-session-2'), '/webhooks/call-status');
    await webhook(sample('session-summary', 'e2e-session-2'), '/webhooks/session-summary');
    const page = await browser!.context.newPage();
    await open(page, '/console/calls?q=%2B65+9111+0001');
    await page.click('a[href="/console/calls/e2e-session-2"]');
    await page.waitForURL(`${base}/console/calls/e2e-session-2`);
    seen.push({ path: '/console/calls/e2e-session-2', html: await page.content() });
    const story = (await page.locator('main').textContent()) ?? '';
    expect(story).toContain('ride-masking');
    expect(story).toContain('CALL_CONNECTED');
    expect(story).toContain('COMPLETED');
    await shoot(page, 'story');
    await open(page, '/console/calls');
    await shoot(page, 'calls');
    await page.close();
  }, 60_000);

  it('shows a reload error with its line after a bad save, while the last good rules keep serving', async () => {
    const page = await browser!.context.newPage();
    await open(page, '/console');
    const file = join(rulesDir, '50-support.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('dtmf: "1"', 'dtmf: "1'));
    // The page refreshes itself: no reload by the test.
    await page.waitForSelector('#reload-errors', { timeout: 45_000 });
    const errors = (await page.locator('#reload-errors').textContent()) ?? '';
    expect(errors).toMatch(/50-support\.yaml:\d+:\d+: error: /);
    expect(errors).toContain('dtmf: "1');
    expect(await page.locator('#last-reload').textContent()).toContain('Failed');
    seen.push({ path: '/console (reload error)', html: await page.content() });
    await shoot(page, 'status-error');
    await page.close();
  }, 90_000);

  it('shows no secret and no absolute path on any page', () => {
    expect(seen.length).toBeGreaterThanOrEqual(8);
    for (const { path, html } of seen) {
      for (const secret of [CONSOLE_TOKEN, ADMIN_TOKEN, WEBHOOK_AUTH, work, root, tmpdir()]) expect(html, `${path} shows ${secret}`).not.toContain(secret);
    }
  });
});

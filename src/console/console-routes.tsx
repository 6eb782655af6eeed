import { checkPhoneNumber } from '../rules/phone-number.js';
import { SessionsPage, type SessionsView } from './pages/sessions-page.js';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { JSXNode } from 'hono/jsx';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { safeEqual } from '../web/secrets.js';
import { jsonError } from '../web/errors.js';
import { CONSOLE_CSS } from './assets/console-css.js';
import { CONSOLE_JS } from './assets/console-js.js';
import { credentials, safeNext, securityHeaders, signIn, signOut } from './console-auth.js';
import type { CallLogReader, ConsoleDeps } from './console-deps.js';
import { storyRecords } from '../store/session-story.js';
import { CallsPage, LoginPage, StoryPage, type CallsView } from './pages/calls-page.js';
import { RulesPage } from './pages/rules-page.js';
import { StatusPage } from './pages/status-page.js';
import { TryPage } from './pages/try-page.js';
import { WeekPage } from './pages/week-page.js';
import { ruleStatsFromLog, ruleStatsFromMetrics } from './rule-stats.js';
import { shownPath } from './shown-path.js';
import { TRY_FIELDS, tryCall, type TryForm } from './try-call.js';
import { catalogueOf, timezonesOf, virtualNumbers } from './rule-catalogue.js';
import { isoWeek, weekStart, weekView } from './week-view.js';

const HOUR = 3_600_000;

/**
 * The decision log is read on the thread that answers calls: a status tab refreshing every few
 * seconds must not rerun the same counts each time. Counts are kept this long.
 */
const COUNTS_TTL_MS = 15_000;
/**
 * How long a counting page waits for the decision log's writer to commit what it was handed.
 * A commit is one fsync, but on a busy machine it took over half a second: the page waits
 * rather than showing a call that was answered as never counted (a call never waits for this).
 */
const SETTLE_MS = 3_000;

function memo<T>(ttlMs: number, now: () => number): (key: string, compute: () => Promise<T>, keep?: boolean) => Promise<T> {
  const entries = new Map<string, { value: T; until: number }>();
  return async (key, compute, keep = true) => {
    const hit = entries.get(key);
    if (hit && hit.until > now()) return hit.value;
    const value = await compute();
    // Counts read before the writer caught up are shown once, never kept.
    if (!keep) return value;
    entries.clear();
    entries.set(key, { value, until: now() + ttlMs });
    return value;
  };
}

/**
 * The web console under /console: server-rendered pages that read the live rules, the reload
 * state and the decision log. It changes nothing: rules stay in their files.
 */
export function consoleRoutes(deps: ConsoleDeps): Hono {
  const app = new Hono();
  const now = deps.now ?? (() => new Date());
  const shownFile = (file: string) => shownPath(file, deps.rulesDir);
  const hourlyCounts = memo<Awaited<ReturnType<typeof readHourly>>>(COUNTS_TTL_MS, () => Date.now());
  const ruleCounts = memo<Awaited<ReturnType<typeof readRuleStats>>>(COUNTS_TTL_MS, () => Date.now());
  const readHourly = (since: number) => readLog(deps.calls, (log) => log.hourly(since), [] as Awaited<ReturnType<CallLogReader['hourly']>>);
  const readRuleStats = (days: number) => readLog(deps.calls, (log) => ruleStatsFromLog(log, days, now().getTime()), undefined);

  app.use('*', async (c, next) => {
    if (!deps.token) return jsonError(c, 404, 'console-disabled', 'the console is off: set CONSOLE_TOKEN (or ADMIN_TOKEN) to enable it');
    await next();
  });
  app.use('*', securityHeaders);

  // The stylesheet and script hold nothing private: the sign-in page needs them too.
  app.get('/assets/console.css', (c) => c.body(CONSOLE_CSS, 200, { 'content-type': 'text/css; charset=utf-8' }));
  app.get('/assets/console.js', (c) => c.body(CONSOLE_JS, 200, { 'content-type': 'text/javascript; charset=utf-8' }));

  app.get('/login', (c) => render(c, <LoginPage next={safeNext(c.req.query('next'))} failed={false} />));
  // A sign-in form is a few hundred bytes; anything much bigger is not one.
  const loginLimit = bodyLimit({ maxSize: 8 * 1024, onError: (c) => jsonError(c, 413, 'body-too-large', 'a sign-in form is at most 8 KiB') });
  app.post('/login', loginLimit, async (c) => {
    const form = await c.req.parseBody();
    const next = safeNext(typeof form.next === 'string' ? form.next : undefined);
    if (typeof form.token !== 'string' || !safeEqual(form.token, deps.token!)) {
      return render(c, <LoginPage next={next} failed={true} />, 401);
    }
    signIn(c, deps.token!);
    return c.redirect(next, 303);
  });
  app.post('/logout', (c) => {
    signOut(c);
    return c.redirect('/console/login', 303);
  });

  app.use('*', async (c, next) => {
    const seen = credentials(c, deps.token!);
    if (seen === 'ok') return next();
    c.header('www-authenticate', 'Bearer realm="console"');
    if (!(c.req.header('accept') ?? '').includes('text/html')) {
      return jsonError(c, 401, 'unauthorized', 'send the console token as `Authorization: Bearer <CONSOLE_TOKEN>`, or sign in at /console/login');
    }
    const here = new URL(c.req.url);
    return render(c, <LoginPage next={safeNext(here.pathname + here.search)} failed={seen === 'wrong'} />, 401);
  });

  app.get('/', async (c) => {
    const problems = await readProblems(deps.rules.diagnostics?.() ?? [], deps.rulesDir);
    const since = Math.floor(now().getTime() / HOUR) * HOUR - 23 * HOUR;
    const settled = (await deps.calls?.settle?.(SETTLE_MS)) ?? true;
    const [store, hours] = await hourlyCounts(String(since), () => readHourly(since), settled);
    return render(c, <StatusPage view={{ health: deps.rules.health(), files: deps.rules.current().files.map(shownFile), reloading: deps.reloading?.() ?? false, problems, store, hours, now: now() }} />);
  });

  app.get('/rules', async (c) => {
    const days = clampInt(c.req.query('days'), 1, 3650, deps.staleDays ?? 30);
    const ruleSet = deps.rules.current();
    const file = c.req.query('file');
    const settled = (await deps.calls?.settle?.(SETTLE_MS)) ?? true;
    const [, fromLog] = await ruleCounts(String(days), () => readRuleStats(days), settled);
    const stats = fromLog ?? ruleStatsFromMetrics(await deps.metrics.ruleMatches());
    const catalogue = await catalogueOf(ruleSet);
    return render(c, <RulesPage ruleSet={ruleSet} catalogue={catalogue} stats={stats} days={days} shownFile={shownFile} {...(file !== undefined ? { file } : {})} />);
  });

  app.get('/try', async (c) => {
    const ruleSet = deps.rules.current();
    const catalogue = await catalogueOf(ruleSet);
    const query = c.req.query();
    const submitted = TRY_FIELDS.some((f) => f in query);
    const zones = [...new Set([...timezonesOf(catalogue), 'UTC'])];
    const form: TryForm = submitted
      ? Object.fromEntries(TRY_FIELDS.filter((f) => query[f] !== undefined).map((f) => [f, String(query[f]).slice(0, 200)]))
      : { source: '+6581234567', destination: '+6568332048', destinationRefId: 'vn-ref-1', sourceCountryCode: 'SG', sessionId: 'console-try', tz: zones[0] };
    if (form.tz && !zones.includes(form.tz)) zones.push(form.tz);
    const result = submitted ? tryCall(ruleSet, form, now()) : undefined;
    const params = new URLSearchParams(Object.entries(form).filter(([, v]) => v !== undefined && v !== '') as [string, string][]);
    const shareUrl = `${new URL(c.req.url).origin}/console/try?${params.toString()}`;
    return render(c, <TryPage view={{ form, timezones: zones, ruleSet, shownFile, ...(result ? { result, shareUrl } : {}) }} />, result && !result.ok ? 400 : 200);
  });

  app.get('/week', async (c) => {
    const ruleSet = deps.rules.current();
    const catalogue = await catalogueOf(ruleSet);
    const numbers = virtualNumbers(catalogue);
    const wanted = c.req.query('number');
    const number = numbers.find((n) => n.value === wanted) ?? numbers[0];
    const caller = {
      source: c.req.query('source')?.trim() || '+6581234567',
      sourceCountryCode: c.req.query('sourceCountryCode')?.trim() ?? 'SG',
      subAccountId: c.req.query('subAccountId')?.trim() ?? '',
    };
    const weekText = c.req.query('week')?.trim() || isoWeek(weekStart(now().toISOString().slice(0, 10))!);
    const monday = weekStart(weekText);
    const base = { numbers, week: weekText, caller, ruleSet, ...(number ? { number } : {}) };
    if (wanted && number?.value !== wanted) return render(c, <WeekPage view={{ ...base, error: { field: 'number', message: `No rule is written for the number “${wanted}”: pick one from the list.` } }} />, 400);
    if (!monday) return render(c, <WeekPage view={{ ...base, error: { field: 'week', message: `“${weekText}” is not a week: write it like 2026-W33 or give a date like 2026-08-10.` } }} />, 400);
    const fields = Object.fromEntries(Object.entries(caller).filter(([, v]) => v !== ''));
    const grid = number ? weekView(ruleSet, catalogue, number, monday, fields) : undefined;
    return render(c, <WeekPage view={{ ...base, week: isoWeek(monday), ...(grid ? { grid } : {}) }} />);
  });

  app.get('/calls', async (c) => {
    const search = normalizeSearch(c.req.query('q') ?? '');
    const [state, records] = await readLog(deps.calls, (log) => log.recent({ limit: 100, ...(search ? { search } : {}) }), []);
    return render(c, <CallsPage view={{ search, records, state } satisfies CallsView} />);
  });

  app.get('/calls/:sessionId', async (c) => {
    const sessionId = c.req.param('sessionId');
    const [state, told] = await readLog(deps.calls, (log) => storyRecords(log, sessionId), { records: [], truncated: false });
    const { records, truncated } = told;
    return render(c, <StoryPage sessionId={sessionId} records={records} truncated={truncated} state={state} />, state === 'ok' && records.length === 0 ? 404 : 200);
  });

  app.get('/sessions', async (c) => {
    const search = (c.req.query('q') ?? '').trim();
    const party = search ? checkPhoneNumber(search) : undefined;
    // A store that cannot be read (PostgreSQL down) shows as no sessions, not as a 500.
    const sessions =
      deps.sessions && (party === undefined || party.ok)
        ? await Promise.resolve(deps.sessions.list({ status: 'open', limit: 100, ...(party?.ok ? { party: party.e164 } : {}) })).catch(() => [])
        : deps.sessions
          ? []
          : undefined;
    return render(c, <SessionsPage view={{ search, sessions } satisfies SessionsView} />);
  });

  app.notFound((c) => jsonError(c, 404, 'not-found', `no console page at ${c.req.path}`));
  return app;
}

async function render(c: Context, node: JSXNode | Promise<string> | string, status: ContentfulStatusCode = 200): Promise<Response> {
  const html = await Promise.resolve(node.toString());
  return c.html(`<!DOCTYPE html>${html}`, status);
}

/** A read of the decision log, with its state; a failing read shows as "unreadable", not as a 500. */
async function readLog<T>(log: CallLogReader | undefined, read: (log: CallLogReader) => Promise<T>, empty: T): Promise<['ok' | 'degraded' | 'off' | 'unreadable', T]> {
  if (!log) return ['off', empty];
  try {
    const value = await read(log);
    return [log.state(), value];
  } catch {
    return ['unreadable', empty];
  }
}

/** The last load's problems with paths relative to the rules folder, and the text of each file that has one. */
async function readProblems(diagnostics: readonly Diagnostic[], rulesDir: string | undefined): Promise<{ diagnostic: Diagnostic; source?: string }[]> {
  const texts = new Map<string, string | undefined>();
  const out: { diagnostic: Diagnostic; source?: string }[] = [];
  for (const d of diagnostics) {
    const file = d.file === undefined ? undefined : shownPath(d.file, rulesDir);
    const message = rulesDir ? d.message.split(rulesDir).join('the rules folder') : d.message;
    const diagnostic: Diagnostic = { ...d, message, ...(file !== undefined ? { file } : {}) };
    if (file !== undefined && rulesDir && d.line !== undefined && !texts.has(file)) {
      texts.set(file, await readFile(join(rulesDir, file), 'utf8').catch(() => undefined));
    }
    const source = file === undefined ? undefined : texts.get(file);
    out.push({ diagnostic, ...(source !== undefined ? { source } : {}) });
  }
  return out;
}

function clampInt(text: string | undefined, min: number, max: number, fallback: number): number {
  const n = Number(text);
  return text !== undefined && Number.isInteger(n) ? Math.min(max, Math.max(min, n)) : fallback;
}

/** Numbers are stored as +E.164: "+65 9111 0001" finds +6591110001. */
function normalizeSearch(q: string): string {
  const t = q.trim().slice(0, 200);
  return /^\+?[\d\s().-]{6,}$/.test(t) ? t.replace(/[\s().-]/g, '') : t;
}

import type { Hono } from 'hono';
import { createApp, type AppDeps } from '../../src/http/app.js';
import { Metrics } from '../../src/metrics/metrics.js';
import { LiveRules } from '../../src/reload/live-rules.js';
import { loadRules } from '../../src/rules/load-rules.js';
import { connectInline } from '../../src/store/call-log-writer.js';
import { CallRecorder } from '../../src/store/call-recorder.js';
import type { CallStore } from '../../src/store/call-store.js';
import { SqliteCallStore } from '../../src/store/sqlite-call-store.js';
import { sampleEventText } from './fixtures.js';

/** One of 8x8's sample events (test/fixtures/8x8), parsed; each call returns a fresh copy. */
export function example(name: string): Record<string, any> {
  return JSON.parse(sampleEventText(`${name}.json`));
}

export async function sampleRules(): Promise<LiveRules> {
  const loaded = await loadRules(new URL('../../rules', import.meta.url).pathname);
  if (!loaded.ruleSet) throw new Error('the sample rules do not load');
  return new LiveRules(loaded.ruleSet);
}

export interface TestServer {
  app: Hono;
  rules: LiveRules;
  metrics: Metrics;
  recorder: CallRecorder;
  log: Record<string, unknown>[];
}

/** The real app with an in-memory decision log (or the given store) and a log collector. */
export async function testServer(options: Partial<AppDeps> & { store?: CallStore } = {}): Promise<TestServer> {
  const rules = await sampleRules();
  const log: Record<string, unknown>[] = [];
  const logger = (entry: Record<string, unknown>) => void log.push(entry);
  const metrics = new Metrics(rules);
  const store = options.store ?? new SqliteCallStore(':memory:');
  const recorder = new CallRecorder(() => connectInline(store, { maxAgeMs: 24 * 3600_000, maxRows: 10_000, maxBytes: 64 * 1024 * 1024 }), { metrics, log: logger });
  await recorder.ready();
  const app = createApp({ rules, log: logger, metrics, calls: recorder, adminToken: 'admin-secret', ...options });
  return { app, rules, metrics, recorder, log };
}

export function post(app: Hono, path: string, body: unknown, headers: Record<string, string> = {}, env?: unknown) {
  return app.request(path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) }, env);
}

export const ADMIN = { authorization: 'Bearer admin-secret' };

/** The value of one series in Prometheus text, e.g. metric(text, 'x_total{rule="a"}'). */
export function metric(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

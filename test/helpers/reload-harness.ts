import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Hono } from 'hono';
import { createApp } from '../../src/http/app.js';
import type { Logger } from '../../src/log/logger.js';
import { LiveRules, type RulesHealth } from '../../src/reload/live-rules.js';
import { loadRules } from '../../src/rules/load-rules.js';
import { RulesLoaderWorker } from '../../src/reload/load-rules-in-worker.js';
import { RulesReloader } from '../../src/reload/reload-rules.js';
import { watchRules, type RulesWatcher } from '../../src/reload/watch-rules.js';
import { makeCallActionPayload } from '../../src/events/make-event.js';

/** A rules file with one rule per entry: every rule says its text and hangs up. */
export function rulesYaml(rules: { id: string; say: string; when?: string }[]): string {
  const lines = ['rules:'];
  for (const r of rules) {
    lines.push(`  - id: ${r.id}`);
    if (r.when) lines.push(`    when: ${r.when}`);
    lines.push('    then:', `      - say: ${JSON.stringify(r.say)}`, '      - hangup');
  }
  return `${lines.join('\n')}\n`;
}

export const SETTINGS = 'voiceProfile: en-US-ZiraRUS\n';

export async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'reload-test-'));
}

export async function writeFiles(dir: string, files: Record<string, string>): Promise<void> {
  for (const [name, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), text);
  }
}

export interface Harness {
  dir: string;
  app: Hono;
  logs: Record<string, unknown>[];
  reloader: RulesReloader;
  health(): Promise<RulesHealth>;
  /** What a call to `destinationRefId` hears: the texts of the `say` actions of the answer. */
  said(fields?: Parameters<typeof makeCallActionPayload>[0]): Promise<string[]>;
  /** Calls until the caller hears `expected`; fails with the last answer heard. */
  waitForAnswer(fields: Parameters<typeof makeCallActionPayload>[0], expected: string[]): Promise<void>;
  /** Polls /healthz until `check` holds; fails with the last health seen. */
  waitForHealth(check: (h: RulesHealth) => boolean, what: string): Promise<RulesHealth>;
  close(): Promise<void>;
}

let eventCounter = 0;

/** The real server pieces as `serve` wires them: LiveRules, a worker reloader, a chokidar watcher. */
export async function startHarness(dir: string, options: { watch?: boolean; adminToken?: string } = {}): Promise<Harness> {
  const loaded = await loadRules(dir);
  if (!loaded.ruleSet) throw new Error(`test rules do not load: ${JSON.stringify(loaded.diagnostics)}`);
  const live = new LiveRules(loaded.ruleSet);
  const logs: Record<string, unknown>[] = [];
  const log: Logger = (entry) => void logs.push(entry);
  const loader = new RulesLoaderWorker().warmUp();
  const reloader = new RulesReloader({ dir, live, log, load: (d) => loader.load(d) });
  let watcher: RulesWatcher | undefined;
  try {
    if (options.watch !== false) watcher = await watchRules(dir, () => void reloader.reload('file-change'));
  } catch (e) {
    await loader.close(); // nobody gets a harness to close: stop the worker here
    throw e;
  }
  const app = createApp({ rules: live, log, reload: () => reloader.reload('admin'), adminToken: options.adminToken });

  const health = async () => (await (await app.request('/healthz')).json()) as RulesHealth;
  const said = async (fields: Parameters<typeof makeCallActionPayload>[0] = {}) => {
    const payload = makeCallActionPayload({ eventId: `event-${++eventCounter}`, ...fields });
    const res = await app.request('/webhooks/call-action', { method: 'POST', body: JSON.stringify({ eventType: 'CALL_ACTION', payload }), headers: { 'content-type': 'application/json' } });
    if (res.status !== 200) throw new Error(`webhook answered ${res.status}: ${await res.text()}`);
    return sayTexts(await res.json());
  };
  return {
    dir,
    app,
    logs,
    reloader,
    health,
    said,
    async waitForAnswer(fields, expected) {
      let last: string[] = [];
      for (let i = 0; i < 500; i++) {
        last = await said(fields);
        if (JSON.stringify(last) === JSON.stringify(expected)) return;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`timed out waiting to hear ${JSON.stringify(expected)}; last heard ${JSON.stringify(last)}; /healthz: ${JSON.stringify(await health())}`);
    },
    async waitForHealth(check, what) {
      let last: RulesHealth | undefined;
      for (let i = 0; i < 500; i++) {
        last = await health();
        if (check(last)) return last;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`timed out waiting for ${what}; last /healthz: ${JSON.stringify(last)}`);
    },
    async close() {
      await watcher?.close();
      await reloader.idle();
      await loader.close();
    },
  };
}

export function sayTexts(response: unknown): string[] {
  const steps = (response as { callflow?: { action: string; params?: { text?: string } }[] }).callflow ?? [];
  return steps.filter((s) => s.action === 'say').map((s) => s.params?.text ?? '');
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../src/http/app.js';
import { Metrics } from '../src/metrics/metrics.js';
import { LiveRules } from '../src/reload/live-rules.js';
import { loadRules } from '../src/rules/load-rules.js';
import { CallRecorder } from '../src/store/call-recorder.js';
import type { CallRecord } from '../src/store/call-store.js';
import { connectInline } from '../src/store/call-log-writer.js';
import { SqliteCallStore } from '../src/store/sqlite-call-store.js';
import { generateRules } from './make-rules-folder.js';

/**
 * How long each console page takes to render (through app.request, no network), for the sample
 * rules and for generated folders, with a decision log of `records` rows.
 * Usage: tsx bench/console-pages.ts [records=10000]
 */
const records = Number(process.argv[2] ?? 10_000);
const TOKEN = { authorization: 'Bearer bench' };

async function measure(label: string, dir: string, files: number): Promise<void> {
  const loaded = await loadRules(dir);
  if (!loaded.ruleSet) throw new Error(`${dir} does not load`);
  const live = new LiveRules(loaded.ruleSet);
  const metrics = new Metrics(live);
  const work = mkdtempSync(join(tmpdir(), 'console-bench-'));
  const store = new SqliteCallStore(join(work, 'calls.sqlite'));
  const now = Date.now();
  const rows: CallRecord[] = [];
  for (let i = 0; i < records; i++) {
    rows.push({
      kind: 'call-action',
      sessionId: `s-${i}`,
      callId: `c-${i}`,
      dedupeKey: `e-${i}`,
      ruleId: loaded.ruleSet.rules[i % loaded.ruleSet.rules.length]!.id,
      rulesVersion: 'v',
      status: null,
      at: now - i * 1000,
      eventText: JSON.stringify({ payload: { source: '+6581234567', destination: '+6568332048' } }),
      responseText: JSON.stringify({ clientActionId: 'x', callflow: [{ action: 'hangup' }] }),
      decision: { outcome: 'matched' },
      source: '+6581234567',
      destination: '+6568332048',
    });
  }
  store.write(rows);
  const calls = new CallRecorder(() => connectInline(store), { metrics, log: () => {} });
  await calls.ready();
  const app = createApp({ rules: live, metrics, calls, consoleToken: 'bench', rulesDir: dir });
  const firstFile = loaded.ruleSet.files[0]!;
  const pages = [
    '/console',
    '/console/rules',
    `/console/rules?file=${encodeURIComponent(firstFile)}`,
    '/console/try?source=%2B6581234567&destinationRefId=vn-ref-1',
    '/console/week',
    '/console/calls',
    '/console/calls?q=%2B6581234567',
    '/console/calls/s-5',
  ];
  const out: string[] = [];
  for (const page of pages) {
    const times: number[] = [];
    let size = 0;
    for (let i = 0; i < 7; i++) {
      const t = performance.now();
      const res = await app.request(page, { headers: TOKEN });
      size = (await res.text()).length;
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    out.push(`| ${label} | \`${page.replace(encodeURIComponent(firstFile), '<first file>')}\` | ${times[3]!.toFixed(1)} | ${(size / 1024).toFixed(0)} |`);
  }
  console.log(out.join('\n'));
  calls.close();
  rmSync(work, { recursive: true, force: true });
  void files;
}

console.log(`decision log: ${records} records\n\n| rules | page | median ms | KiB |\n|---|---|---|---|`);
await measure('sample (13)', new URL('../rules', import.meta.url).pathname, 8);
for (const [count, files] of [
  [1000, 10],
  [20_000, 20],
] as const) {
  const dir = mkdtempSync(join(tmpdir(), 'console-bench-rules-'));
  await generateRules(dir, count, files);
  await measure(String(count), dir, files);
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Rewrites a big rule folder several times while the server answers a steady load, and times how
 * long each rewrite takes to be served (GET /healthz `version` = the new files' content hash).
 * Works with any server that reloads on file changes; one that does not is reported, not failed.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { versionOf } from '../src/rules/build-rule-set.js';
import { generateRuleFiles, writeRuleFiles, type BenchRequest, type GeneratedFile } from './generate-rules.js';
import type { LoadResult } from './load.js';
import { startPacedLoad } from './paced-load.js';
import type { ServerUnderTest } from './server-process.js';

export interface ReloadReport {
  available: boolean;
  /** Why reload was not measured, or what went wrong. */
  note?: string;
  rate: number;
  /** Rewrite start to new version served, in ms, one per completed reload. */
  reloadMs: number[];
  load: LoadResult;
  /** VmRSS of the server after the last reload, in MB (filled in by the runner). */
  rssMbAfter?: number;
}

export interface ReloadOptions {
  server: ServerUnderTest;
  dir: string;
  totalRules: number;
  requests: readonly BenchRequest[];
  rate: number;
  reloads: number;
  /** How long to wait for one rewrite to be served before giving up. */
  timeoutMs: number;
  /** Keep the load running at least this long, so latency has enough samples. */
  minSeconds: number;
  headers?: Record<string, string>;
}

/** The version the server must report once it serves these files: the same hash `loadRules` computes. */
function expectedVersion(files: readonly GeneratedFile[]): string {
  const settings = files.find((f) => f.file === 'settings.yaml');
  const ruleFiles = files.filter((f) => f !== settings).sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  return versionOf(settings ? { settings, ruleFiles } : { ruleFiles });
}

async function servedVersion(url: string, timeoutMs: number): Promise<string | undefined> {
  try {
    const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(Math.max(1, Math.ceil(timeoutMs))) });
    const body = (await res.json()) as { version?: unknown };
    return typeof body.version === 'string' ? body.version : undefined;
  } catch {
    return undefined; // busy or not answering: poll again
  }
}

export async function reloadUnderLoad(opts: ReloadOptions): Promise<ReloadReport> {
  // Generated before the load starts: building 15 MB of text would stall the load generator.
  const variants = Array.from({ length: opts.reloads }, (_, k) => {
    const files = generateRuleFiles(opts.totalRules, k + 1);
    return { files, version: expectedVersion(files) };
  });
  const before = await servedVersion(opts.server.url, 5000);
  const started = performance.now();
  const load = startPacedLoad({ url: opts.server.url, requests: opts.requests, rate: opts.rate, seconds: 24 * 3600, ...(opts.headers ? { headers: opts.headers } : {}) });
  await sleep(500); // steady state before the first rewrite

  const reloadMs: number[] = [];
  let note: string | undefined;
  for (const variant of variants) {
    const t0 = performance.now();
    await writeRuleFiles(opts.dir, variant.files);
    let seen: string | undefined;
    while (performance.now() - t0 < opts.timeoutMs) {
      seen = await servedVersion(opts.server.url, opts.timeoutMs - (performance.now() - t0));
      if (seen === variant.version) break;
      await sleep(20);
    }
    if (seen !== variant.version) {
      note =
        seen && seen !== before
          ? `the served version changed to ${seen}, never to the rewritten files' ${variant.version} within ${Math.round(opts.timeoutMs / 1000)} s`
          : `the server kept serving version ${before ?? '?'} for ${Math.round(opts.timeoutMs / 1000)} s after the rules were rewritten`;
      break;
    }
    reloadMs.push(performance.now() - t0);
  }

  const elapsed = (performance.now() - started) / 1000;
  if (elapsed < opts.minSeconds) await sleep((opts.minSeconds - elapsed) * 1000);
  load.stop();
  const available = reloadMs.length > 0;
  return {
    available,
    ...(available ? (note ? { note: `after ${reloadMs.length} reloads, ${note}` } : {}) : { note: `reload not available: ${note ?? 'no reload seen'}` }),
    rate: opts.rate,
    reloadMs,
    load: await load.result,
  };
}

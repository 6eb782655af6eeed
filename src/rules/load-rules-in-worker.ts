import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { error, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { Rule, RuleSet } from '../engine/rule-set.js';
import { indexRules, type BuildResult } from './build-rule-set.js';

export type ToWorker = { type: 'load'; dir: string; chunkSize: number } | { type: 'next' };

export type FromWorker =
  | { type: 'rules'; rules: Rule[] }
  | { type: 'done'; diagnostics: Diagnostic[]; head?: Pick<RuleSet, 'version' | 'fallback' | 'files'> };

/**
 * Rules per message. Deserialising a chunk blocks the main thread; 2,000 rules take about
 * 20 ms there (100k rules in one message took about 1 s).
 */
const CHUNK_SIZE = 2000;

interface Job {
  rules: Rule[];
  resolve: (result: BuildResult) => void;
}

/**
 * `loadRules(dir)` in a worker thread, so parsing and compiling a large folder never blocks
 * the thread that answers calls. The result is the same rule set `loadRules` builds: the
 * rules arrive as structured clones (Set, Map and RegExp survive) and the index over them is
 * rebuilt here, because the index must point at these very rule objects.
 *
 * The worker lives on between loads (starting one costs more than a small reload); one load
 * runs at a time, which `RulesReloader` guarantees.
 */
export class RulesLoaderWorker {
  private worker: Worker | undefined;
  private job: Job | undefined;

  load(dir: string): Promise<BuildResult> {
    if (this.job) return Promise.reject(new Error('a rules load is already running'));
    const worker = (this.worker ??= this.start());
    return new Promise((resolve) => {
      this.job = { rules: [], resolve };
      worker.postMessage({ type: 'load', dir, chunkSize: CHUNK_SIZE } satisfies ToWorker);
    });
  }

  /** Starts the worker now, so the first reload does not wait for it to boot. */
  warmUp(): this {
    this.worker ??= this.start();
    return this;
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private start(): Worker {
    const worker = startWorker();
    // An idle loader must not keep the process alive after the server closes.
    worker.unref();
    worker.on('message', (message: FromWorker) => this.receive(worker, message));
    const fail = (reason: string) => {
      if (this.worker === worker) this.worker = undefined;
      this.finish({ diagnostics: [error('reload-failed', reason)] });
    };
    worker.on('error', (e) => fail(`the rules loader failed: ${e.message}`));
    worker.on('exit', (code) => fail(`the rules loader stopped before it finished (exit code ${code})`));
    return worker;
  }

  private receive(worker: Worker, message: FromWorker): void {
    const job = this.job;
    if (!job) return;
    if (message.type === 'rules') {
      for (const rule of message.rules) job.rules.push(rule);
      // Ask for the next chunk only after a turn of the event loop, so waiting calls go first.
      setImmediate(() => worker.postMessage({ type: 'next' } satisfies ToWorker));
      return;
    }
    if (!message.head) return this.finish({ diagnostics: message.diagnostics });
    const { version, fallback, files } = message.head;
    this.finish({ ruleSet: { version, rules: job.rules, index: indexRules(job.rules), fallback, files }, diagnostics: message.diagnostics });
  }

  private finish(result: BuildResult): void {
    const job = this.job;
    this.job = undefined;
    job?.resolve(result);
  }
}

function startWorker(): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./reload-worker.js', import.meta.url));
  // Running from TypeScript sources (tests, tsx): the worker needs tsx's loader to import .ts files.
  const tsxDir = dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
  const tsxApi = pathToFileURL(join(tsxDir, 'dist/esm/api/index.mjs')).href;
  const entry = new URL('./reload-worker.ts', import.meta.url).href;
  const boot = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { eval: true });
}

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import { error, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { LoadResult } from '../rules/load-rules.js';
import { unpackRuleSet, type PackedRuleSet } from '../rules/packed-rule-set.js';

export type ToWorker = { type: 'load'; dir: string };

export type FromWorker =
  /** The worker has the request: the time budget counts from here, not from the worker's boot. */
  | { type: 'started' }
  /** `packed` when the rules built; `heapMb` is what the worker's heap holds after the load. */
  | { type: 'done'; diagnostics: Diagnostic[]; texts: [string, string][]; packed?: PackedRuleSet; heapMb: number };

/** What the last load cost the main thread, for the benchmark. */
export interface LoadStats {
  /** Adopting the packed rule set on this thread (the message's own clone happens before, in Node). */
  adoptMs: number;
  /** The worker's heap after the load, in MB; past RECYCLE_HEAP_MB the worker is replaced. */
  workerHeapMb: number;
}

/** What one load may cost before it is stopped: a generated 50 MB file must not take the server down. */
export interface LoadBudget {
  /** Wall-clock time for the whole load. */
  timeoutMs: number;
  /** The worker's heap (V8 old generation), in MB. */
  memoryMb: number;
}

export const DEFAULT_BUDGET: LoadBudget = { timeoutMs: 60_000, memoryMb: 512 };

/**
 * An idle worker keeps the garbage of its last load (the parsed files, the compiled rules) until
 * it next collects, which may be never; past this much it is replaced by a fresh one instead.
 */
const RECYCLE_HEAP_MB = 64;

interface Job {
  /** The worker doing it: a stopped worker's late exit must not end the next worker's job. */
  worker: Worker;
  /** The server's first load: no time budget (nothing else serves meanwhile), and nothing to keep serving. */
  first: boolean;
  timer?: NodeJS.Timeout;
  resolve: (result: LoadResult) => void;
}

/**
 * `loadRules(dir)` in a worker thread, so parsing and compiling a large folder never blocks
 * the thread that answers calls. The result answers every call as `loadRules`' rule set does,
 * but arrives packed (src/rules/packed-rule-set.ts): one message with transferred buffers,
 * adopted here in one step, its rules made into objects only when asked for.
 *
 * The worker lives on between loads (starting one costs more than a small reload), at a lower
 * priority than this thread; one load runs at a time, which `RulesReloader` guarantees.
 */
export class RulesLoaderWorker {
  private worker: Worker | undefined;
  private job: Job | undefined;
  private readonly budget: LoadBudget;
  lastLoad: LoadStats | undefined;

  constructor(budget: Partial<LoadBudget> = {}) {
    this.budget = { ...DEFAULT_BUDGET, ...budget };
  }

  load(dir: string, options: { first?: boolean } = {}): Promise<LoadResult> {
    if (this.job) return Promise.reject(new Error('a rules load is already running'));
    const worker = (this.worker ??= this.start());
    return new Promise((resolve) => {
      this.job = { worker, first: options.first === true, resolve };
      worker.postMessage({ type: 'load', dir } satisfies ToWorker);
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
    const worker = startWorker({ maxOldGenerationSizeMb: this.budget.memoryMb });
    // An idle loader must not keep the process alive after the server closes.
    worker.unref();
    worker.on('message', (message: FromWorker) => {
      const job = this.job;
      if (job?.worker !== worker) return;
      if (message.type === 'started') {
        // Past the budget the worker is stopped (a parse cannot be interrupted any other way); the next load starts a fresh one.
        if (!job.first) job.timer = setTimeout(() => this.overBudget(worker, this.timeMessage()), this.budget.timeoutMs);
        return;
      }
      this.done(worker, message);
    });
    const fail = (reason: string) => {
      if (this.worker === worker) this.worker = undefined;
      if (this.job?.worker === worker) this.finish({ diagnostics: [error('reload-failed', reason)], texts: new Map() });
    };
    worker.on('error', (e: NodeJS.ErrnoException) => fail(e.code === 'ERR_WORKER_OUT_OF_MEMORY' ? this.memoryMessage(this.job?.first === true) : `the rules loader failed: ${e.message}`));
    worker.on('exit', (code) => fail(`the rules loader stopped before it finished (exit code ${code})`));
    return worker;
  }

  private done(worker: Worker, message: Extract<FromWorker, { type: 'done' }>): void {
    const started = performance.now();
    const ruleSet = message.packed && unpackRuleSet(message.packed);
    this.lastLoad = { adoptMs: performance.now() - started, workerHeapMb: message.heapMb };
    if (message.heapMb > RECYCLE_HEAP_MB && this.worker === worker) {
      // Replaced now, while no load waits for it: the old one's heap goes with it.
      void worker.terminate();
      this.worker = this.start();
    }
    this.finish({ ...(ruleSet ? { ruleSet } : {}), diagnostics: message.diagnostics, texts: new Map(message.texts) });
  }

  private overBudget(worker: Worker, reason: string): void {
    if (this.worker === worker) this.worker = undefined;
    this.finish({ diagnostics: [error('reload-failed', reason)], texts: new Map() });
    void worker.terminate();
  }

  private timeMessage(): string {
    const seconds = Math.round(this.budget.timeoutMs / 100) / 10;
    return `loading the rules took longer than ${seconds} s (the reload time budget, reloadTimeoutMs), so it was stopped; the previous rules keep serving. Check for a very large or generated file (huge YAML anchors), split it, or raise reloadTimeoutMs`;
  }

  private memoryMessage(first: boolean): string {
    const after = first ? 'the server did not start' : 'the previous rules keep serving';
    return `loading the rules needed more than ${this.budget.memoryMb} MB of memory (the reload memory budget, reloadMemoryMb), so it was stopped; ${after}. Check for a very large or generated file (huge YAML anchors, aliases), split it, or raise reloadMemoryMb`;
  }

  private finish(result: LoadResult): void {
    const job = this.job;
    this.job = undefined;
    clearTimeout(job?.timer);
    job?.resolve(result);
  }
}

function startWorker(resourceLimits: ResourceLimits): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./reload-worker.js', import.meta.url), { resourceLimits });
  // Running from TypeScript sources (tests, tsx): the worker needs tsx's loader to import .ts files.
  const tsxDir = dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
  const tsxApi = pathToFileURL(join(tsxDir, 'dist/esm/api/index.mjs')).href;
  const entry = new URL('./reload-worker.ts', import.meta.url).href;
  const boot = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { eval: true, resourceLimits });
}

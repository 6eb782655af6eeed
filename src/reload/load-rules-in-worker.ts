import { deserialize } from 'node:v8';
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../threads/start-worker.js';
import { error, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { Rule, RuleSet } from '../engine/rule-set.js';
import { reviveRegexes } from '../rules/linear-regex.js';
import { addToIndex, type BuildResult, type IndexBuilder } from '../rules/build-rule-set.js';

export type ToWorker = { type: 'load'; dir: string; chunkSize: number } | { type: 'next' };

export type FromWorker =
  /** The worker has the request: the time budget counts from here, not from the worker's boot. */
  | { type: 'started' }
  /** `v8.serialize(rules)`, transferred without a copy. */
  | { type: 'rules'; data: Uint8Array }
  | { type: 'done'; diagnostics: Diagnostic[]; head?: Omit<RuleSet, 'rules' | 'index'> };

/**
 * Rules per message. Deserialising and indexing a chunk blocks the main thread: 2,000 rules
 * took 55-80 ms on a busy 2-core machine, 1,000 about half; 100k rules in one message 1-2 s.
 */
const CHUNK_SIZE = 1000;

/** What the last load cost the main thread, for the benchmark. */
export interface LoadStats {
  chunks: number;
  /** The longest single step on the main thread: deserialising and indexing one chunk. */
  longestStepMs: number;
}

/** What one load may cost before it is stopped: a generated 50 MB file must not take the server down. */
export interface LoadBudget {
  /** Wall-clock time for the whole load, main-thread indexing included. */
  timeoutMs: number;
  /** The worker's heap (V8 old generation), in MB. */
  memoryMb: number;
}

const DEFAULT_BUDGET: LoadBudget = { timeoutMs: 60_000, memoryMb: 512 };

interface Job {
  rules: Rule[];
  timer?: NodeJS.Timeout;
  index: IndexBuilder;
  pending: Exclude<FromWorker, { type: 'started' }>[];
  stats: LoadStats;
  resolve: (result: BuildResult) => void;
}

/**
 * `loadRules(dir)` in a worker thread, so parsing and compiling a large folder never blocks
 * the thread that answers calls. The result is the same rule set `loadRules` builds: the
 * rules arrive as structured clones (Set and Map survive; regexes are compiled again here), one chunk per turn of the
 * event loop, and the index is rebuilt here chunk by chunk, because it must point at these
 * very rule objects.
 *
 * Why compile in the worker rather than parse there and compile here in chunks: for 100k
 * rules, deserialising the compiled rules costs this thread about 0.9 s in all (in 1,000-rule
 * steps), while the other way costs 0.25 s to deserialise the parsed data plus 1.3-2.4 s to
 * compile it, and would split `buildRuleSet` in two.
 *
 * The worker lives on between loads (starting one costs more than a small reload); one load
 * runs at a time, which `RulesReloader` guarantees.
 */
export class RulesLoaderWorker {
  private worker: Worker | undefined;
  private job: Job | undefined;
  private readonly budget: LoadBudget;
  lastLoad: LoadStats | undefined;

  constructor(budget: Partial<LoadBudget> = {}) {
    this.budget = { ...DEFAULT_BUDGET, ...budget };
  }

  load(dir: string): Promise<BuildResult> {
    if (this.job) return Promise.reject(new Error('a rules load is already running'));
    const worker = (this.worker ??= this.start());
    return new Promise((resolve) => {
      this.job = { rules: [], index: { byField: new Map(), unindexed: [] }, pending: [], stats: { chunks: 0, longestStepMs: 0 }, resolve };
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
    const worker = startWorker(new URL('./reload-worker.js', import.meta.url), { resourceLimits: { maxOldGenerationSizeMb: this.budget.memoryMb } });
    // An idle loader must not keep the process alive after the server closes.
    worker.unref();
    worker.on('message', (message: FromWorker) => {
      const job = this.job;
      if (!job) return;
      if (message.type === 'started') {
        // Past the budget the worker is stopped (a parse cannot be interrupted any other way); the next load starts a fresh one.
        job.timer = setTimeout(() => this.overBudget(worker, this.timeMessage()), this.budget.timeoutMs);
        return;
      }
      // Node may hand over several queued messages at once; take them one per turn instead.
      if (job.pending.push(message) === 1) setImmediate(() => this.step(worker, job));
    });
    const fail = (reason: string) => {
      if (this.worker === worker) this.worker = undefined;
      this.finish({ diagnostics: [error('reload-failed', reason)] });
    };
    worker.on('error', (e: NodeJS.ErrnoException) => fail(e.code === 'ERR_WORKER_OUT_OF_MEMORY' ? this.memoryMessage() : `the rules loader failed: ${e.message}`));
    worker.on('exit', (code) => fail(`the rules loader stopped before it finished (exit code ${code})`));
    return worker;
  }

  private step(worker: Worker, job: Job): void {
    if (this.job !== job) return;
    const message = job.pending.shift();
    if (!message) return;
    if (message.type === 'rules') {
      const started = performance.now();
      const rules = deserialize(message.data) as Rule[];
      reviveRegexes(rules);
      for (const rule of rules) job.rules.push(rule);
      addToIndex(job.index, rules);
      job.stats.chunks++;
      job.stats.longestStepMs = Math.max(job.stats.longestStepMs, performance.now() - started);
      worker.postMessage({ type: 'next' } satisfies ToWorker);
      if (job.pending.length > 0) setImmediate(() => this.step(worker, job));
      return;
    }
    this.lastLoad = job.stats;
    if (!message.head) return this.finish({ diagnostics: message.diagnostics });
    this.finish({ ruleSet: { ...message.head, rules: job.rules, index: job.index }, diagnostics: message.diagnostics });
  }

  private overBudget(worker: Worker, reason: string): void {
    if (this.worker === worker) this.worker = undefined;
    this.finish({ diagnostics: [error('reload-failed', reason)] });
    void worker.terminate();
  }

  private timeMessage(): string {
    const seconds = Math.round(this.budget.timeoutMs / 100) / 10;
    return `loading the rules took longer than ${seconds} s (the reload time budget, reloadTimeoutMs), so it was stopped; the previous rules keep serving. Check for a very large or generated file (huge YAML anchors), split it, or raise reloadTimeoutMs`;
  }

  private memoryMessage(): string {
    return `loading the rules needed more than ${this.budget.memoryMb} MB of memory (the reload memory budget, reloadMemoryMb), so it was stopped; the previous rules keep serving. Check for a very large or generated file (huge YAML anchors, aliases), split it, or raise reloadMemoryMb`;
  }

  private finish(result: BuildResult): void {
    const job = this.job;
    this.job = undefined;
    clearTimeout(job?.timer);
    job?.resolve(result);
  }
}

import type { ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { setPriority } from 'node:os';
import { error, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { LoadResult } from '../rules/load-rules.js';
import { decodePackedRuleSet } from '../rules/packed-file.js';
import { unpackRuleSet, type PackedRuleSet } from '../rules/packed-rule-set.js';
import { forkLoader } from './fork-loader.js';

/** `cacheDir`: write the packed rule set there after answering (see rules-cache.ts). */
export type ToWorker = { type: 'load'; dir: string; cacheDir?: string };

export type FromWorker =
  /** The worker has the request: the time budget counts from here, not from the worker's boot. */
  | { type: 'started' }
  /**
   * When the rules built: `file` holds them (packed-file.ts; the server reads it, then removes it),
   * or, when it could not be written, `packed` carries them. `heapMb`: the worker's heap after the load.
   */
  | { type: 'done'; diagnostics: Diagnostic[]; texts: [string, string][]; file?: string; packed?: PackedRuleSet; heapMb: number }
  /** After a `done` with rules and a cache folder: the cache is written (or failed to be): the worker may be replaced now. */
  | { type: 'cached' };

/** What the last load cost this thread, for the benchmark. */
export interface LoadStats {
  /** Adopting the packed rule set on this thread (after its file was read, off this thread). */
  adoptMs: number;
  /** Reading the handed-over file, most of it on libuv's threads (0 when the rules came in the message). */
  readMs: number;
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

export interface LoaderOptions extends LoadBudget {
  /** Where the worker keeps the compiled rules for the next start (rules-cache.ts); undefined: no cache. */
  cacheDir: string | undefined;
  /** A loader process already started by `forkLoader` with this budget (`serve` starts it first thing): used as the first worker. */
  forked?: ChildProcess;
}

const DEFAULT_BUDGET: LoadBudget = { timeoutMs: 60_000, memoryMb: 512 };

/**
 * An idle worker keeps its last load's garbage (the parsed files, the compiled rules) until it
 * next collects, which may be never; past this much it is replaced by a fresh one instead.
 */
const RECYCLE_HEAP_MB = 64;
/** A replaced worker's successor starts this long after the load (a load that comes sooner starts it at once). */
const REPLACE_AFTER_MS = 1000;

/**
 * Calls come first: once the rules are big enough for a load to take a while, the loader runs at
 * this nice value. Small loads, and the first one (nothing to give way to), keep the server's.
 */
const RELOAD_NICE = 10;
const BIG_RULE_SET = 10_000;

interface Job {
  /** The worker doing it: a stopped worker's late exit must not end the next worker's job. */
  worker: ChildProcess;
  /** The server's first load: no time budget (nothing else serves meanwhile), and nothing to keep serving. */
  first: boolean;
  timer?: NodeJS.Timeout;
  /** The worker has answered: what is left (reading its file) is this side's, whatever becomes of the worker. */
  answered?: true;
  resolve: (result: LoadResult) => void;
}

/**
 * `loadRules(dir)` in a worker process, so parsing and compiling a large folder never blocks
 * the thread that answers calls. The result answers every call as `loadRules`' rule set does,
 * but arrives packed (src/rules/packed-rule-set.ts): one message of a few flat buffers, adopted
 * here in one step, its rules made into objects only when asked for.
 *
 * A process rather than a worker thread, because only a process gives its memory back: the
 * hundreds of MB a big load allocates stayed in this process's malloc arenas after a worker
 * thread ended (RSS 400+ MB for 100k rules). The worker lives on between loads (starting one
 * costs more than a small reload) at a lower priority than this process, and is replaced after
 * a load that left its heap big; one load runs at a time, which `RulesReloader` guarantees.
 */
export class RulesLoaderWorker {
  private worker: ChildProcess | undefined;
  private job: Job | undefined;
  private readonly budget: LoadBudget;
  private readonly cacheDir: string | undefined;
  /** Replaced workers still writing the cache: stopped when they say so, or on close. */
  private readonly retiring = new Set<ChildProcess>();
  /** Whether a load has produced a big rule set: from then on the loader gives way to calls. */
  private bigRules = false;
  lastLoad: LoadStats | undefined;

  private forked: ChildProcess | undefined;
  /** The timer that starts a replaced worker's successor (see done). */
  private replacing: NodeJS.Timeout | undefined;
  private closing = false;

  constructor(options: Partial<LoaderOptions> = {}) {
    const { cacheDir, forked, ...budget } = options;
    this.budget = { ...DEFAULT_BUDGET, ...budget };
    this.cacheDir = cacheDir;
    this.forked = forked;
  }

  load(dir: string, options: { first?: boolean } = {}): Promise<LoadResult> {
    if (this.job) return Promise.reject(new Error('a rules load is already running'));
    const worker = (this.worker ??= this.start());
    const first = options.first === true;
    if (!first && this.bigRules) lowerPriority(worker);
    // A load under way keeps this process alive, as any pending I/O would; an idle worker does not.
    worker.channel?.ref();
    return new Promise((resolve) => {
      this.job = { worker, first, resolve };
      worker.send({ type: 'load', dir, ...(this.cacheDir ? { cacheDir: this.cacheDir } : {}) } satisfies ToWorker);
    });
  }

  /** The process id of the loader that the next load goes to, when one is running. */
  get pid(): number | undefined {
    return this.worker?.pid;
  }

  /** Starts the worker now, so the first reload does not wait for it to boot. */
  warmUp(): this {
    this.worker ??= this.start();
    return this;
  }

  async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.replacing);
    const workers = [this.worker, this.forked, ...this.retiring].filter((w) => w !== undefined);
    this.worker = this.forked = undefined;
    this.retiring.clear();
    await Promise.all(workers.map(stop));
  }

  private start(): ChildProcess {
    const forked = this.forked;
    this.forked = undefined;
    // One started early that has already gone (it could not boot) is replaced; its listeners would never hear.
    const worker = forked && forked.exitCode === null && forked.signalCode === null ? forked : forkLoader(this.budget.memoryMb);
    if (forked && forked !== worker) void stop(forked);
    // V8 reports running out of heap on stderr, then aborts: keep the end of it to tell why it stopped.
    let stderr = '';
    worker.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-2000)));
    worker.on('message', (message: FromWorker) => {
      if (message.type === 'cached') {
        if (this.retiring.delete(worker)) void stop(worker);
        return;
      }
      const job = this.job;
      if (job?.worker !== worker) return;
      if (message.type === 'started') {
        // Past the budget the worker is stopped (a parse cannot be interrupted any other way); the next load starts a fresh one.
        if (!job.first) job.timer = setTimeout(() => this.overBudget(worker, this.timeMessage()), this.budget.timeoutMs);
        return;
      }
      void this.done(worker, message);
    });
    const fail = (reason: string) => {
      if (this.worker === worker) this.worker = undefined;
      if (this.job?.worker === worker && !this.job.answered) this.finish({ diagnostics: [error('reload-failed', reason)], texts: new Map() });
    };
    worker.on('error', (e) => fail(`the rules loader failed: ${e.message}`));
    worker.on('exit', (code, signal) => {
      this.retiring.delete(worker);
      const outOfMemory = /heap out of memory|Reached heap limit/i.test(stderr);
      fail(outOfMemory ? this.memoryMessage(this.job?.first === true) : `the rules loader stopped before it finished (${signal ? `signal ${signal}` : `exit code ${code}`})`);
    });
    return worker;
  }

  private async done(worker: ChildProcess, message: Extract<FromWorker, { type: 'done' }>): Promise<void> {
    const job = this.job!;
    job.answered = true;
    clearTimeout(job.timer);
    const built = message.file !== undefined || message.packed !== undefined;
    if (message.heapMb > RECYCLE_HEAP_MB && this.worker === worker) {
      // Replaced while no load waits for it: the old one's heap goes with it, once it has written the cache.
      if (built && this.cacheDir) this.retiring.add(worker);
      else void stop(worker);
      this.worker = undefined;
      // The new one boots a moment later, not while this process adopts the rules it was just handed.
      clearTimeout(this.replacing);
      this.replacing = setTimeout(() => void (this.closing || (this.worker ??= this.start())), REPLACE_AFTER_MS).unref();
    }
    const read = performance.now();
    let packed = message.packed;
    const diagnostics = [...message.diagnostics];
    if (message.file) {
      try {
        // Read on libuv's threads: this thread only sees chunks arrive, never copies the 50 MB.
        packed = decodePackedRuleSet(await readFile(message.file)).packed;
      } catch (e) {
        diagnostics.push(error('reload-failed', `could not read the rules the loader handed over in ${message.file}: ${e instanceof Error ? e.message : String(e)}; the previous rules keep serving`));
      } finally {
        await rm(message.file, { force: true }).catch(() => undefined);
      }
    }
    const started = performance.now();
    const ruleSet = packed && unpackRuleSet(packed);
    if (ruleSet && ruleSet.rules.length >= BIG_RULE_SET) this.bigRules = true;
    this.lastLoad = { adoptMs: performance.now() - started, readMs: started - read, workerHeapMb: message.heapMb };
    this.finish({ ...(ruleSet ? { ruleSet } : {}), diagnostics, texts: new Map(message.texts) });
  }

  private overBudget(worker: ChildProcess, reason: string): void {
    if (this.worker === worker) this.worker = undefined;
    this.finish({ diagnostics: [error('reload-failed', reason)], texts: new Map() });
    void stop(worker);
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
    job?.worker.channel?.unref();
    job?.resolve(result);
  }
}

/** Ends a worker and waits until it has gone. */
async function stop(worker: ChildProcess): Promise<void> {
  if (worker.exitCode !== null || worker.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.ref(); // whoever awaits this waits for the exit
  worker.kill('SIGKILL');
  await gone;
}

/**
 * On Linux a nice value belongs to one thread: the loader's process id names only its main
 * thread, and V8's garbage-collector and compiler threads (a quarter of a big load's CPU) would
 * keep competing with calls at full priority. So every thread the loader has is lowered; threads
 * it starts later inherit the value from the thread that starts them.
 */
function lowerPriority(worker: ChildProcess): void {
  const pid = worker.pid;
  if (pid === undefined) return;
  let threads: number[];
  try {
    threads = readdirSync(`/proc/${pid}/task`).map(Number);
  } catch {
    threads = [pid]; // no /proc (not Linux): the process as the system names it
  }
  for (const tid of threads) {
    try {
      setPriority(tid, RELOAD_NICE);
    } catch {
      // not allowed here, or the thread has ended: it keeps its priority
    }
  }
}

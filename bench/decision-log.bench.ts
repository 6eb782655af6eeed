/**
 * What the decision log costs the thread that answers calls. Records like the router's (the
 * sample call action as received, its callflow as sent) go through the real recorder:
 *
 * - worker: the server's setup, a writer thread with its own connection on a temp file;
 * - inline: the same store written synchronously on this thread at each flush (what the log did
 *   before, with node-sqlite3-wasm in place of better-sqlite3).
 *
 * For each: main-thread µs per record (record() plus its share of every flush), µs per record
 * until all are committed, the mean and longest time one flush blocks this thread, and the
 * event-loop delay (p99, max) while recording at a steady rate, as a live server would.
 *
 * Usage: npx tsx bench/decision-log.bench.ts [--records 100000] [--rate 5000] [--seconds 3]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Metrics } from '../src/metrics/metrics.js';
import { connectInline, connectWorker, type CallLogConnection } from '../src/store/call-log-writer.js';
import { CallRecorder } from '../src/store/call-recorder.js';
import type { CallRecord, Retention } from '../src/store/call-store.js';
import { SqliteCallStore } from '../src/store/sqlite-call-store.js';

const { values } = parseArgs({ options: { records: { type: 'string', default: '100000' }, rate: { type: 'string', default: '5000' }, seconds: { type: 'string', default: '3' } } });
const RECORDS = Number(values.records);
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);

const eventText = readFileSync(new URL('../test/fixtures/8x8/call-action.json', import.meta.url), 'utf8');
const responseText = readFileSync(new URL('../test/fixtures/8x8/callflow-response.json', import.meta.url), 'utf8');
const retention: Retention = { maxAgeMs: 30 * 86_400_000, maxRows: 10_000_000, maxBytes: 8 * 1024 * 1024 * 1024 };

/** This (main) thread's CPU time in ns from the kernel's schedstat: wall time on a busy machine counts waiting too. */
function mainThreadCpuNs(): number | undefined {
  try {
    return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]);
  } catch {
    return undefined;
  }
}

function record(n: number): CallRecord {
  return {
    kind: 'call-action',
    sessionId: `s-${n}`,
    callId: `c-${n}`,
    dedupeKey: `e-${n}-${Math.random()}`,
    ruleId: 'sg-support',
    rulesVersion: 'cf5fa9374a1a',
    status: null,
    at: Date.now(),
    eventText,
    responseText,
    decision: { outcome: 'matched' },
    source: '+6591110001',
    destination: '+6561234567',
  };
}

/** Times every synchronous flush() the recorder starts on this thread. */
function timeFlushes(recorder: CallRecorder) {
  const times: number[] = [];
  const flush = recorder.flush.bind(recorder);
  recorder.flush = () => {
    const t0 = performance.now();
    const done = flush();
    times.push(performance.now() - t0);
    return done;
  };
  return times;
}

async function run(name: string, connect: () => Promise<CallLogConnection> | CallLogConnection) {
  const recorder = new CallRecorder(connect, { metrics: new Metrics(), log: () => {}, maxQueueBytes: 1024 * 1024 * 1024 });
  await recorder.ready();
  const flushes = timeFlushes(recorder);

  // 1. As fast as the thread can: the cost per record, everything on this thread included.
  const t0 = performance.now();
  const cpu0 = mainThreadCpuNs();
  for (let i = 0; i < RECORDS; i++) recorder.record(record(i));
  // Inline, the loop includes the writes (each flush writes synchronously); with the worker, only the hand-over.
  const cpu1 = mainThreadCpuNs();
  const mainUs = cpu0 !== undefined && cpu1 !== undefined ? (cpu1 - cpu0) / 1000 / RECORDS : ((performance.now() - t0) * 1000) / RECORDS;
  await recorder.flush();
  const totalUs = ((performance.now() - t0) * 1000) / RECORDS;
  const sorted = [...flushes].sort((a, b) => a - b);
  const flushMax = sorted.at(-1) ?? 0;
  const flushMean = sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length);

  // 2. A steady rate, as live traffic: how long the event loop is held up.
  flushes.length = 0;
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  let n = RECORDS;
  const perTick = Math.max(1, Math.round(RATE / 1000));
  await new Promise<void>((resolve) => {
    const end = performance.now() + SECONDS * 1000;
    const tick = setInterval(() => {
      for (let i = 0; i < perTick; i++) recorder.record(record(n++));
      if (performance.now() > end) {
        clearInterval(tick);
        resolve();
      }
    }, 1);
  });
  delay.disable();
  await recorder.close();
  return {
    name,
    mainUs,
    totalUs,
    flushes: sorted.length,
    flushMeanMs: flushMean,
    flushMaxMs: flushMax,
    loopP99Ms: delay.percentile(99) / 1e6,
    loopMaxMs: delay.max / 1e6,
  };
}

const dir = mkdtempSync(join(tmpdir(), 'decision-log-bench-'));
try {
  const results = [];
  results.push(await run('inline (writes on the main thread)', () => connectInline(new SqliteCallStore(join(dir, 'inline.sqlite')), retention)));
  results.push(await run('worker (the server)', () => connectWorker(join(dir, 'worker.sqlite'), retention, { log: () => {}, lost: () => {} })));
  console.log(`${RECORDS} records as fast as possible, then ${RATE}/s for ${SECONDS} s (event loop delay measured at 1 ms resolution)\n`);
  console.log('| mode | main thread CPU µs per record | µs per record until written | flushes | one flush blocks the main thread: mean / max ms | event loop delay p99 / max ms at the steady rate |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const r of results) {
    console.log(`| ${r.name} | ${r.mainUs.toFixed(2)} | ${r.totalUs.toFixed(2)} | ${r.flushes} | ${r.flushMeanMs.toFixed(2)} / ${r.flushMaxMs.toFixed(2)} | ${r.loopP99Ms.toFixed(2)} / ${r.loopMaxMs.toFixed(2)} |`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

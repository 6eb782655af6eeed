/**
 * The decision log's SQLite store as the writer thread drives it (write() of 256-record batches,
 * then prune(), in WAL with synchronous=FULL), this checkout's against another's (`--baseline`,
 * e.g. main's v2 schema unpacked with `git archive`), in interleaved rounds, each round in a
 * fresh process. Records like the router's: the sample call action as received and its callflow
 * as sent, fresh session/call/event ids, 5,000 callers and 200 virtual numbers.
 *
 * Reports the writer's CPU µs per row (this process's schedstat: it has one thread), after
 * `--warm` rows, over `--rows` rows. With `--lookup N`, each store also fills a file to N rows
 * and times the lookups the product makes on it (GET /calls/:sessionId, the first rule of a
 * session, the console's search by call id, by a busy number and by an unknown value).
 *
 * With `--migrate N` (and a `--baseline` of the older schema), the baseline writes N rows to a
 * file and this checkout times opening it: the migration at start.
 *
 * Usage: npx tsx bench/decision-log-schema.ts [--baseline DIR] [--rounds 3] [--warm 30000] [--rows 15000] [--lookup 1000000] [--migrate 1000000]
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import type { CallRecord, CallStore, Retention } from '../src/store/call-store.js';

const { values } = parseArgs({
  options: {
    baseline: { type: 'string' },
    rounds: { type: 'string', default: '3' },
    warm: { type: 'string', default: '30000' },
    rows: { type: 'string', default: '15000' },
    lookup: { type: 'string', default: '0' },
    child: { type: 'string' },
    mode: { type: 'string', default: 'write' },
    migrate: { type: 'string', default: '0' },
    file: { type: 'string' },
  },
});

const BATCH = 256;
const retention: Retention = { maxAgeMs: 30 * 86_400_000, maxRows: 10_000_000, maxBytes: 64 * 1024 ** 3 };

function threadCpuUs(): number {
  return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]) / 1000;
}

async function child(root: string, mode: string): Promise<void> {
  const { SqliteCallStore } = (await import(pathToFileURL(join(root, 'src/store/sqlite-call-store.ts')).href)) as { SqliteCallStore: new (path: string) => CallStore };
  const eventText = readFileSync(new URL('../test/fixtures/8x8/call-action.json', import.meta.url), 'utf8');
  const responseText = readFileSync(new URL('../test/fixtures/8x8/callflow-response.json', import.meta.url), 'utf8');
  const callers = Array.from({ length: 5000 }, (_, i) => `+6591${String(100000 + i * 7).padStart(6, '0')}`);
  const numbers = Array.from({ length: 200 }, (_, i) => `+6561${String(200000 + i).padStart(6, '0')}`);
  if (mode === 'open') {
    const t0 = performance.now();
    const cpu0 = threadCpuUs();
    new SqliteCallStore(values.file!).close();
    console.log(JSON.stringify({ ms: performance.now() - t0, cpuMs: (threadCpuUs() - cpu0) / 1000 }));
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'decision-log-schema-'));
  const store = new SqliteCallStore(mode === 'fill' ? values.file! : join(dir, 'calls.sqlite'));
  const kept: { sessionId: string; callId: string }[] = [];
  let n = 0;
  const batch = (size: number): CallRecord[] =>
    Array.from({ length: size }, () => {
      const sessionId = randomUUID();
      const callId = `c-${randomUUID()}`;
      if (n++ % 9973 === 0) kept.push({ sessionId, callId });
      return {
        kind: 'call-action',
        sessionId,
        callId,
        dedupeKey: randomUUID(),
        ruleId: 'sg-support',
        rulesVersion: 'cf5fa9374a1a',
        status: null,
        at: Date.now(),
        eventText,
        responseText,
        decision: { outcome: 'matched' },
        source: callers[(Math.random() * callers.length) | 0]!,
        destination: numbers[(Math.random() * numbers.length) | 0]!,
      };
    });
  const write = (rows: number) => {
    for (let i = 0; i < rows; i += BATCH) {
      store.write(batch(BATCH));
      store.prune(retention, Date.now());
    }
  };
  try {
    if (mode === 'write') {
      write(Number(values.warm));
      const rows = Number(values.rows);
      const start = threadCpuUs();
      write(rows);
      console.log(JSON.stringify({ cpuPerRow: (threadCpuUs() - start) / rows }));
      return;
    }
    // Fill in big transactions (the per-row cost is measured above), then time each lookup.
    const total = Number(mode === 'fill' ? values.migrate : values.lookup);
    for (let i = 0; i < total; i += 8192) store.write(batch(Math.min(8192, total - i)));
    if (mode === 'fill') return;
    const time = (f: (i: number) => unknown, times = 20) => {
      const ms: number[] = [];
      for (let i = 0; i < times; i++) {
        const t0 = performance.now();
        f(i);
        ms.push(performance.now() - t0);
      }
      return ms.sort((a, b) => a - b)[Math.floor(times / 2)]!;
    };
    const pick = (i: number) => kept[(i * 7919) % kept.length]!;
    console.log(
      JSON.stringify({
        rows: total,
        session: time((i) => store.session(pick(i).sessionId)),
        ruleForSession: time((i) => store.ruleForSession(pick(i).sessionId)),
        searchCallId: time((i) => store.recent({ limit: 50, search: pick(i).callId })),
        searchBusyNumber: time((i) => store.recent({ limit: 50, search: numbers[i % numbers.length]! })),
        searchUnknown: time((i) => store.recent({ limit: 50, search: `+6568${String(100000 + i)}` })),
      }),
    );
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function runChild(root: string, mode: string, file = ''): Record<string, number> {
  const args = ['--child', root, '--mode', mode, '--warm', values.warm!, '--rows', values.rows!, '--lookup', values.lookup!, '--migrate', values.migrate!, '--file', file];
  const out = execFileSync(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  return mode === 'fill' ? {} : (JSON.parse(out.trim().split('\n').at(-1)!) as Record<string, number>);
}

async function main(): Promise<void> {
  const stores = [{ name: 'this checkout', root: resolve(new URL('..', import.meta.url).pathname) }];
  if (values.baseline) stores.unshift({ name: `baseline ${values.baseline}`, root: resolve(values.baseline) });
  console.log(
    `load average at start: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const results = new Map<string, number[]>(stores.map((s) => [s.name, []]));
  for (let round = 1; round <= Number(values.rounds); round++) {
    for (const s of round % 2 ? stores : [...stores].reverse()) {
      const { cpuPerRow } = runChild(s.root, 'write');
      results.get(s.name)!.push(cpuPerRow!);
      console.log(`round ${round} ${s.name}: ${cpuPerRow!.toFixed(1)} µs writer CPU per row (write + prune, after ${values.warm} rows)`);
    }
  }
  for (const [name, r] of results) console.log(`${name}: ${r.map((x) => x.toFixed(1)).join(', ')} µs per row`);
  if (Number(values.lookup) > 0) {
    for (const s of stores) {
      const l = runChild(s.root, 'lookup');
      console.log(
        `${s.name}, median ms per lookup at ${l.rows} rows: ${Object.entries(l)
          .filter(([k]) => k !== 'rows')
          .map(([k, v]) => `${k} ${v.toFixed(3)}`)
          .join(', ')}`,
      );
    }
  }
  if (Number(values.migrate) > 0 && values.baseline) {
    const dir = mkdtempSync(join(tmpdir(), 'decision-log-migrate-'));
    try {
      const file = join(dir, 'calls.sqlite');
      runChild(stores[0]!.root, 'fill', file);
      const { ms, cpuMs } = runChild(stores[1]!.root, 'open', file);
      console.log(`opening ${values.migrate} rows written by the baseline (the migration at start): ${ms!.toFixed(0)} ms, ${cpuMs!.toFixed(0)} ms of CPU`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  console.log(
    `load average at end: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
}

if (values.child) await child(values.child, values.mode!);
else await main();

/**
 * GET /sessions on a big sessions file: the time of one page (50 sessions) per filter, and the
 * writer's cost per create, for one or more builds of the store run side by side (not part of
 * `npm run bench`; run it when the sessions schema or list-query.ts changes).
 *
 * The file: N sessions (default 400,000) over 100 virtual numbers and 1,000 drivers; one rider
 * ("a busy party") is in a quarter of them; the newest 1% are open, the rest closed. The reads
 * run on the main thread in the server, so a slow page stalls every call meanwhile.
 *
 * Usage: npx tsx bench/sessions-list.bench.ts [--sessions 400000] [--rounds 3] name=path/to/dist/sessions/session-store.js ...
 * (`now=dist/sessions/session-store.js` after `npm run build`; a baseline from a worktree of an older commit.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

interface Store {
  insert(s: unknown): void;
  update(s: unknown): void;
  transaction<T>(work: () => T): T;
  list(q: Record<string, unknown>): unknown[];
  close(): void;
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    sessions: { type: 'string', default: '400000' },
    rounds: { type: 'string', default: '3' },
  },
});
const N = Number(values.sessions);
const ROUNDS = Number(values.rounds);
const builds = positionals.map((p) => {
  const [name, path] = p.split('=');
  if (!name || !path) throw new Error(`expected name=path/to/session-store.js, got ${p}`);
  return { name, path: resolve(path) };
});
if (builds.length === 0) throw new Error('name at least one build: now=dist/sessions/session-store.js');

const BUSY = '+6591119999';
const driver = (i: number) => `+6581${String(100000 + (i % 1000)).slice(1)}0`;
const rider = (i: number) => `+6591${String(1000000 + i).slice(1)}`;
const vn = (i: number) => `+656830${String(10000 + (Math.floor(i / 1000) % 100)).slice(1)}`;

function sessionAt(i: number) {
  const open = i >= N - N / 100;
  const createdAt = 1_700_000_000_000 + i * 10;
  return {
    id: `s${String(i).padStart(7, '0')}`,
    status: open ? 'open' : 'closed',
    virtualNumber: vn(i),
    parties: [!open && i % 4 === 0 ? BUSY : rider(i), driver(i)],
    ref: `ride-${i}`,
    lastActivityAt: createdAt,
    createdAt,
    open,
  };
}

const QUERIES: [string, Record<string, unknown>][] = [
  ['newest page', {}],
  ['ref', { ref: `ride-${Math.floor(N / 2)}` }],
  ['virtualNumber', { virtualNumber: vn(0) }],
  ['status=open', { status: 'open' }],
  ['status=expired (none)', { status: 'expired' }],
  ['party (one of 4 sessions)', { party: BUSY }],
  [
    'party, page 100',
    {
      party: BUSY,
      after: {
        createdAt: 1_700_000_000_000 + (N - 100 * 50 * 4) * 10,
        id: 'z',
      },
    },
  ],
  ['a driver', { party: driver(7) }],
  ['party + status=open (none)', { party: BUSY, status: 'open' }],
  ['virtualNumber + status=open', { virtualNumber: vn(N - 1), status: 'open' }],
  // Not indexed together: a party's or a number's history is tried session by session.
  ['party + status=expired (none)', { party: BUSY, status: 'expired' }],
  ['virtualNumber + status=expired (none)', { virtualNumber: vn(0), status: 'expired' }],
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const opened = [];
for (const b of builds) {
  const { SessionStore } = (await import(pathToFileURL(b.path).href)) as {
    SessionStore: new (path: string) => Store;
  };
  const dir = mkdtempSync(join(tmpdir(), 'sessions-list-bench-'));
  const store = new SessionStore(join(dir, 'sessions.sqlite'));
  const t0 = process.cpuUsage();
  for (let i = 0; i < N; i += 5000) {
    store.transaction(() => {
      for (let j = i; j < Math.min(N, i + 5000); j++) {
        const { open, ...s } = sessionAt(j);
        // Opened and closed as the API does: the close is what ends its party rows' open state.
        store.insert({ ...s, status: 'open' });
        if (!open) store.update({ ...s, status: 'closed', closedAt: s.createdAt + 60_000 });
      }
    });
  }
  const cpu = process.cpuUsage(t0);
  opened.push({ ...b, store, dir, insertUs: (cpu.user + cpu.system) / N });
  console.error(`${b.name}: ${N} sessions written, ${((cpu.user + cpu.system) / N).toFixed(1)} µs CPU each`);
}

const times = new Map<string, number[]>();
for (let round = 0; round < ROUNDS; round++) {
  for (const [qname, q] of QUERIES) {
    for (const b of opened) {
      const t = performance.now();
      b.store.list({ ...q, limit: 51 });
      const key = `${b.name}\t${qname}`;
      times.set(key, [...(times.get(key) ?? []), performance.now() - t]);
    }
  }
}

console.log(`| page of 50, ${N.toLocaleString('en')} sessions | ${opened.map((b) => b.name).join(' | ')} |`);
console.log(`|---|${opened.map(() => '---:').join('|')}|`);
for (const [qname] of QUERIES) console.log(`| ${qname} | ${opened.map((b) => `${median(times.get(`${b.name}\t${qname}`)!).toFixed(2)} ms`).join(' | ')} |`);
console.log(`| writing one session (CPU) | ${opened.map((b) => `${b.insertUs.toFixed(1)} µs`).join(' | ')} |`);
for (const b of opened) {
  b.store.close();
  rmSync(b.dir, { recursive: true, force: true });
}

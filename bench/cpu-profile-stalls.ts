/**
 * Reads a V8 .cpuprofile and prints each stretch of at least `minMs` in which the thread never
 * went idle, with the functions that took most of it (self time) and the outermost frames it ran
 * under, so that a stall can be named; then the thread's CPU by part of the server (calls, watcher,
 * IPC, adopting, GC). Usage: tsx bench/cpu-profile-stalls.ts FILE [minMs=40]
 */
import { readFile } from 'node:fs/promises';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

const IDLE = new Set(['(idle)', '(program)']);

export async function printStalls(file: string, minMs = 40): Promise<void> {
  const profile = JSON.parse(await readFile(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const name = (n: ProfileNode) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.split('/').slice(-2).join('/')}:${n.callFrame.lineNumber + 1}`;
  // The frame just under the root's event-loop entry: what the stretch was "doing".
  const outer = (id: number): string => {
    const chain: ProfileNode[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) chain.push(byId.get(at)!);
    chain.reverse(); // root first
    const useful = chain.filter((n) => n.callFrame.url !== '' || n.callFrame.functionName.startsWith('('));
    return useful.slice(1, 4).map(name).join(' > ');
  };
  let t = profile.startTime;
  const times = profile.samples.map((_, i) => (t += profile.timeDeltas[i]!));
  const busy = (i: number) => !IDLE.has(byId.get(profile.samples[i]!)!.callFrame.functionName);
  const stalls: { start: number; end: number; from: number; to: number }[] = [];
  for (let i = 0; i < profile.samples.length; ) {
    if (!busy(i)) {
      i++;
      continue;
    }
    const from = i;
    while (i < profile.samples.length && busy(i)) i++;
    const ms = (times[i - 1]! - times[from]!) / 1000;
    if (ms >= minMs) stalls.push({ start: times[from]!, end: times[i - 1]!, from, to: i });
  }
  console.log(`${file}: ${((times.at(-1)! - profile.startTime) / 1e6).toFixed(1)} s profiled, ${stalls.length} busy stretches >= ${minMs} ms`);
  for (const s of stalls) {
    const self = new Map<string, number>();
    const outers = new Map<string, number>();
    for (let i = s.from; i < s.to; i++) {
      const dt = (times[i + 1] ?? times[i]!) - times[i]!;
      const id = profile.samples[i]!;
      const k = name(byId.get(id)!);
      self.set(k, (self.get(k) ?? 0) + dt);
      const o = outer(id);
      outers.set(o, (outers.get(o) ?? 0) + dt);
    }
    const top = (m: Map<string, number>, n: number) =>
      [...m]
        .sort((a, b) => b[1] - a[1])
        .slice(0, n)
        .map(([k, us]) => `      ${(us / 1000).toFixed(1)} ms  ${k}`)
        .join('\n');
    console.log(
      `  at ${((s.start - profile.startTime) / 1e6).toFixed(2)} s: ${((s.end - s.start) / 1000).toFixed(0)} ms busy (${s.to - s.from} samples: the rest of the time the thread was off the core)\n    self:\n${top(self, 8)}\n    under:\n${top(outers, 5)}`,
    );
  }
}

/** Which part of the server a stack belongs to, by the files on it (innermost match wins). */
const PARTS: [string, RegExp][] = [
  ['ipc message', /child_process\/serialization|internal\/child_process/],
  ['watcher', /chokidar|readdirp|watch-rules/],
  ['settle/snapshot', /settle-rules|read-rules-dir/],
  ['adopt', /load-rules-in-worker|packed-file|reload-rules|live-rules/],
  ['decision log', /store\//],
  ['calls', /http\/|hono|engine\/|_http_|node:net|stream/],
];

/**
 * Main-thread CPU by part of the server, for the whole profile: samples × the median interval
 * (a thread the kernel took off the core gets one late sample, not one per interval, so
 * counting samples measures CPU, where summing the intervals would count the wait too).
 */
export async function cpuByPart(file: string): Promise<Map<string, number>> {
  const profile = JSON.parse(await readFile(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const partOf = new Map<number, string>();
  const classify = (id: number): string => {
    const known = partOf.get(id);
    if (known) return known;
    const node = byId.get(id)!;
    let part = IDLE.has(node.callFrame.functionName) ? 'idle' : node.callFrame.functionName === '(garbage collector)' ? 'gc' : 'other';
    for (let at: number | undefined = id; at !== undefined && part === 'other'; at = parent.get(at)) {
      const url = byId.get(at)!.callFrame.url;
      const hit = PARTS.find(([, re]) => re.test(url));
      if (hit) part = hit[0];
    }
    partOf.set(id, part);
    return part;
  };
  const ms = new Map<string, number>();
  const fns = new Map<string, number>();
  const sorted = [...profile.timeDeltas].sort((a, b) => a - b);
  const dt = (sorted[sorted.length >> 1] ?? 1000) / 1000;
  profile.samples.forEach((id) => {
    const part = classify(id);
    ms.set(part, (ms.get(part) ?? 0) + dt);
    const f = byId.get(id)!.callFrame;
    const key = `${part}: ${f.functionName || '(anonymous)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`;
    fns.set(key, (fns.get(key) ?? 0) + dt);
  });
  if (process.env.PARTS_DETAIL) {
    for (const [k, v] of [...fns]
      .filter(([k]) => k.startsWith(process.env.PARTS_DETAIL!))
      .sort((a, b) => b[1] - a[1])
      .slice(0, 15))
      console.log(`  ${v.toFixed(1)} ms ${k}`);
  }
  return ms;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [file, minMs] = process.argv.slice(2);
  if (!file) throw new Error('usage: cpu-profile-stalls.ts FILE [minMs]');
  await printStalls(file, Number(minMs ?? 40));
  console.log(
    `main-thread CPU by part: ${[...(await cpuByPart(file))]
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${v.toFixed(0)} ms`)
      .join(', ')}`,
  );
}

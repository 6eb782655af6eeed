/** Turns one bench run into the markdown tables of BENCHMARKS.md, with a met/missed line per target. */
import { cpus, loadavg } from 'node:os';
import type { AnswerCheck } from './check-answers.js';
import { engineTable, type EngineResult } from './engine.bench.js';
import { MIX } from './generate-rules.js';
import type { LoadResult } from './load.js';
import type { ReloadReport } from './reload-under-load.js';

export interface ScenarioResult {
  name: string;
  rules?: number;
  startupMs: number;
  rssMb?: number;
  check?: AnswerCheck;
  /** Server CPU time per request at full speed, µs (median of the rounds). */
  cpuUs?: number;
  max: LoadResult;
  half: LoadResult;
}

export interface BenchRun {
  command: string;
  /** What generated the full-speed load, in words. */
  loader: string;
  seconds: number;
  rounds: number;
  halfSeconds: number;
  startedAt: Date;
  totalSeconds: number;
  scenarios: ScenarioResult[];
  reload?: ReloadReport;
  engine?: EngineResult[];
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
/** Latency as precise as it was measured: autocannon gives whole milliseconds. */
const ms = (n: number, r: LoadResult) => (r.resolutionMs >= 1 ? (n === 0 ? '<1' : n.toFixed(0)) : n < 10 ? n.toFixed(2) : n.toFixed(0));
const pct = (n: number) => `${Math.round(n * 100)}%`;
const failed = (r: LoadResult) => r.errors + r.non2xx;

export function renderReport(run: BenchRun): string {
  const bare = run.scenarios[0];
  const byRules = (n: number) => run.scenarios.find((s) => s.rules === n);
  const r1k = byRules(1_000);
  const r100k = byRules(100_000);
  const cpu = cpus();
  const lines: string[] = [];
  lines.push(
    `Run ${run.startedAt.toISOString()} with \`${run.command}\`: per server ${run.seconds} s at full speed (${run.rounds} rounds, servers taking turns; medians shown) and ${run.halfSeconds} s at half rate (also in rounds, medians); whole bench ${int(run.totalSeconds)} s.`,
    `Machine: ${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, Node ${process.version}, load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' / ')} at the end (the machine is shared: compare ratios, not absolute numbers).`,
    `Load: ${run.loader} on 127.0.0.1; each server in its own process, its log lines to /dev/null. The router runs with every feature on: decision log (SQLite file), a JSON log line per call, metrics, webhook secret and IP allowlist, deadline. Requests cycle through 500 generated 8x8 Call Action events (mix below) with a fresh eventId each. CPU µs per request: the server's CPU time over all its threads (/proc/PID/task/*/schedstat) divided by the requests answered. Half-rate and reload latency come from an evenly paced open-loop client (bench/paced-load.ts) timed in microseconds from the moment each call falls due (so the client's own stalls count against p99; its lag column says how much of p99 is the client's).`,
    `Mix: ${Object.entries(MIX)
      .map(([k, w]) => `${k} ${w}%`)
      .join(', ')} (the kinds are described in "What is measured" above).`,
    '',
    '### Throughput at full speed',
    '',
    '| server | req/s | vs bare | CPU µs/req | vs bare | p50 ms | p99 ms | max ms | errors | non-2xx | RSS after load | startup to first answer | answers checked |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  );
  for (const s of run.scenarios) {
    const m = s.max;
    const check = s.check ? (s.check.wrong === 0 ? `${s.check.checked} ok` : `**${s.check.wrong} of ${s.check.checked} wrong**: ${s.check.firstWrong}`) : 'fixed answer';
    lines.push(
      `| ${s.name} | ${int(m.rps)} | ${bare ? pct(m.rps / bare.max.rps) : '-'} | ${s.cpuUs?.toFixed(1) ?? '?'} | ${bare?.cpuUs && s.cpuUs ? `${(s.cpuUs / bare.cpuUs).toFixed(2)}×` : '-'} | ${ms(m.p50, m)} | ${ms(m.p99, m)} | ${ms(m.max, m)} | ${m.errors} | ${m.non2xx} | ${s.rssMb ? `${int(s.rssMb)} MB` : '?'} | ${(s.startupMs / 1000).toFixed(2)} s | ${check} |`,
    );
  }
  lines.push('', "### Latency at 50% of each server's own max rate", '', '| server | rate req/s | p50 ms | p99 ms | max ms | errors | non-2xx | client lag p99 ms |', '|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const s of run.scenarios) {
    const h = s.half;
    lines.push(`| ${s.name} | ${int(h.rps)} | ${ms(h.p50, h)} | ${ms(h.p99, h)} | ${ms(h.max, h)} | ${h.errors} | ${h.non2xx} | ${h.clientLagP99?.toFixed(2) ?? '-'} |`);
  }

  const rl = run.reload;
  lines.push('', '### Reload under load (100k rules rewritten, load at 50% of the 100k max rate)', '');
  if (rl) {
    const durations = rl.reloadMs.map((d) => (d / 1000).toFixed(2)).join(', ');
    lines.push(
      '| reloads done | reload duration (rewrite → new version served) | rate req/s | p99 ms | max ms | requests | failed (errors + non-2xx) | timeouts |',
      '|---:|---|---:|---:|---:|---:|---:|---:|',
      `| ${rl.reloadMs.length} | ${durations ? `${durations} s` : '-'} | ${int(rl.load.rps)} | ${ms(rl.load.p99, rl.load)} | ${ms(rl.load.max, rl.load)} | ${int(rl.load.requests)} | ${failed(rl.load)} | ${rl.load.timeouts} |`,
    );
    if (!rl.available) lines.push('', `The files were rewritten but the server never reloaded them, so the latency above is for a server answering while its rule files change on disk, not during a reload.`);
    if (rl.note) lines.push('', `Note: ${rl.note}.`);
  } else {
    lines.push('Not run (`--no-reload`, or no 100k-rule scenario).');
  }

  if (run.engine) lines.push('', '### The engine alone (decide() in process, same call mix)', '', engineTable(run.engine));

  lines.push('', '### Targets (issue 13)', '');
  const target = (ok: boolean | undefined, text: string) => lines.push(`- ${ok === undefined ? 'NOT MEASURED' : ok ? 'MET' : 'MISSED'}: ${text}`);
  const both = r1k && bare;
  target(
    both ? r1k.max.rps >= 0.9 * bare.max.rps : undefined,
    `1k rules, every feature on, ≥ 90% of bare Hono's req/s — ${both ? `${pct(r1k.max.rps / bare.max.rps)} (${int(r1k.max.rps)} vs ${int(bare.max.rps)})` : '-'}`,
  );
  const cpuKnown = both && r1k.cpuUs !== undefined && bare.cpuUs !== undefined;
  target(
    cpuKnown ? r1k.cpuUs! <= 1.5 * bare.cpuUs! : undefined,
    `1k rules ≤ 1.5× bare Hono's CPU µs per request — ${cpuKnown ? `${(r1k.cpuUs! / bare.cpuUs!).toFixed(2)}× (${r1k.cpuUs!.toFixed(1)} vs ${bare.cpuUs!.toFixed(1)} µs)` : '-'}`,
  );
  target(r100k && r1k ? r100k.max.rps >= 0.95 * r1k.max.rps : undefined, `100k rules ≥ 95% of the 1k req/s — ${r100k && r1k ? `${pct(r100k.max.rps / r1k.max.rps)} (${int(r100k.max.rps)} vs ${int(r1k.max.rps)})` : '-'}`);
  for (const r of [r1k, r100k]) {
    if (r) target(r.half.p99 < 5, `p99 < 5 ms at half the router's max rate with the decision log on, ${int(r.rules!)} rules — ${ms(r.half.p99, r.half)} ms at ${int(r.half.rps)} req/s`);
  }
  const reloadOk = rl?.available && rl.reloadMs.length > 0 ? rl.load.p99 < 50 && failed(rl.load) === 0 && rl.load.timeouts === 0 : undefined;
  target(reloadOk, `during 100k-rule reloads at 50% load p99 < 50 ms and 0 failed — ${rl?.available ? `p99 ${ms(rl.load.p99, rl.load)} ms, ${failed(rl.load)} failed` : (rl?.note ?? 'not run')}`);
  target(
    rl?.rssMbAfter !== undefined ? rl.rssMbAfter < 250 : undefined,
    `100k rules RSS < 250 MB after 10 reloads — ${rl?.rssMbAfter ? `${int(rl.rssMbAfter)} MB` : '-'} (after load, before reloads: ${r100k?.rssMb ? `${int(r100k.rssMb)} MB` : '-'})`,
  );
  target(r100k ? r100k.startupMs < 2000 : undefined, `100k rules: start to first answer < 2 s — ${r100k ? `${(r100k.startupMs / 1000).toFixed(1)} s` : '-'}`);
  return lines.join('\n');
}

/** Replaces the text between `<!-- NAME:begin -->` and `<!-- NAME:end -->`, keeping the hand-written rest of the file. */
export function replaceSection(doc: string, name: string, body: string): string {
  const begin = `<!-- ${name}:begin -->`;
  const end = `<!-- ${name}:end -->`;
  const block = `${begin}\n${body}\n${end}`;
  const i = doc.indexOf(begin);
  const j = doc.indexOf(end);
  if (i === -1 || j === -1 || j < i) return `${doc.trimEnd()}\n\n${block}\n`;
  return doc.slice(0, i) + block + doc.slice(j + end.length);
}

/**
 * The creates' load generator in a process of its own: run from sessions.bench.ts so that it and
 * the paced calls never share one event loop (a busy create client would delay the calls it
 * times, and the delay would be blamed on the server). Prints one JSON line.
 *
 * Usage: node --import tsx bench/create-load.ts URL SECONDS CONNECTIONS TOKEN [RATE]
 * RATE: creates per second in all, evenly paced and timed from when each falls due (paced-load.ts;
 * autocannon's overallRate sends each second's quota in one burst, so its p99 was the burst's).
 * Without it each connection sends as fast as it is answered (autocannon): the most the server takes.
 */
import autocannon from 'autocannon';
import { runPacedLoad } from './paced-load.js';

const [url, seconds, connections, token, rate] = process.argv.slice(2) as [string, string, string, string, string | undefined];
const rider = (i: number) => `+659${String(i).padStart(7, '0')}`;
const driver = (i: number) => `+658${String(i).padStart(7, '0')}`;
const createBody = (i: number) => JSON.stringify({ parties: [rider(i), driver(i)], pool: 'rides', ttl: 3600 });
const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

/** What this prints: sessions.bench.ts reads it. */
export interface CreateLoadReport {
  requests: number;
  seconds: number;
  p50: number;
  p99: number;
  max: number;
  statuses: Record<string, number>;
  errors: number;
  timeouts: number;
  /** Paced only: the client's own lag p99 (ms), its floor under p99. */
  clientLagP99?: number;
  /** Paced only: p99 from each create's write to its answer (ms), without the wait for a free connection. */
  writtenP99?: number;
}

async function paced(perSecond: number): Promise<CreateLoadReport> {
  const r = await runPacedLoad({ url, post: { path: '/sessions', body: createBody }, rate: perSecond, seconds: Number(seconds), connections: Number(connections), headers: { authorization: headers.authorization } });
  return { requests: r.requests, seconds: Number(seconds), p50: r.p50, p99: r.p99, max: r.max, statuses: r.statuses, errors: r.errors, timeouts: r.timeouts, clientLagP99: r.clientLagP99, writtenP99: r.writtenP99 };
}

async function asFastAsAnswered(): Promise<CreateLoadReport> {
  let next = 0;
  const result = await autocannon({
    url: `${url}/sessions`,
    connections: Number(connections),
    duration: Number(seconds),
    method: 'POST',
    headers,
    requests: [{ setupRequest: (r) => ({ ...r, body: createBody(next++) }) }],
  });
  const statuses: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) statuses[code] = stat?.count ?? 0;
  return { requests: result.requests.total, seconds: Number(seconds), p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max, statuses, errors: result.errors, timeouts: result.timeouts };
}

const report = rate ? await paced(Number(rate)) : await asFastAsAnswered();
process.stdout.write(`${JSON.stringify(report)}\n`);

/**
 * The creates' load generator in a process of its own: run from sessions.bench.ts so that it and
 * the paced calls never share one event loop (a busy create client would delay the calls it
 * times, and the delay would be blamed on the server). Prints one JSON line.
 *
 * Usage: node --import tsx bench/create-load.ts URL SECONDS CONNECTIONS TOKEN [RATE]
 * RATE: creates per second in all (paced); without it each connection sends as fast as it is answered.
 */
import autocannon from 'autocannon';

const [url, seconds, connections, token, rate] = process.argv.slice(2) as [string, string, string, string, string | undefined];
const rider = (i: number) => `+659${String(i).padStart(7, '0')}`;
const driver = (i: number) => `+658${String(i).padStart(7, '0')}`;
let next = 0;
const result = await autocannon({
  url: `${url}/sessions`,
  connections: Number(connections),
  duration: Number(seconds),
  method: 'POST',
  ...(rate ? { overallRate: Number(rate) } : {}),
  headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
  requests: [
    {
      setupRequest: (r) => {
        const i = next++;
        return { ...r, body: JSON.stringify({ parties: [rider(i), driver(i)], pool: 'rides', ttl: 3600 }) };
      },
    },
  ],
});
const statuses: Record<string, number> = {};
for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) statuses[code] = stat?.count ?? 0;
process.stdout.write(
  `${JSON.stringify({ requests: result.requests.total, seconds: Number(seconds), p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max, statuses, errors: result.errors, timeouts: result.timeouts })}\n`,
);

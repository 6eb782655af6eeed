/** Load generation with autocannon: one run at full speed or at a fixed rate, stoppable from outside. */
import autocannon from 'autocannon';
import { webhookBody, type BenchRequest } from './generate-rules.js';

export interface LoadResult {
  rps: number;
  requests: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  /** Latency resolution: autocannon records whole milliseconds, the paced load microseconds. */
  resolutionMs: number;
  /** The paced client's own lag (how late its 1 ms ticks fired), p99 in ms: its floor under p99. */
  clientLagP99?: number;
}

export interface LoadOptions {
  url: string;
  requests: readonly BenchRequest[];
  seconds: number;
  /** Requests per second across all connections; absent = as fast as the server answers. */
  rate?: number;
  connections?: number;
  headers?: Record<string, string>;
}

export interface RunningLoad {
  stop(): void;
  result: Promise<LoadResult>;
}

export function startLoad(opts: LoadOptions): RunningLoad {
  const instance = autocannon(
    {
      url: `${opts.url}/webhooks/call-action`,
      connections: opts.connections ?? 10,
      duration: opts.seconds,
      ...(opts.rate ? { overallRate: Math.max(1, Math.round(opts.rate)) } : {}),
      // Each request gets a fresh eventId, so the router's replay cache never answers for the engine.
      idReplacement: true,
      requests: opts.requests.map((r) => ({
        method: 'POST' as const,
        path: '/webhooks/call-action',
        headers: { 'content-type': 'application/json', ...opts.headers },
        body: webhookBody(r.payload),
      })),
    },
    () => {},
  );
  const result = new Promise<LoadResult>((resolve, reject) => {
    instance.once('done', (r: autocannon.Result) =>
      resolve({
        rps: r.requests.total / Math.max(r.duration, 0.001),
        requests: r.requests.total,
        p50: r.latency.p50,
        p99: r.latency.p99,
        max: r.latency.max,
        errors: r.errors,
        timeouts: r.timeouts,
        non2xx: r.non2xx,
        resolutionMs: 1,
      }),
    );
    instance.once('error', reject);
  });
  return { stop: () => instance.stop(), result };
}

export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  return await startLoad(opts).result;
}

/**
 * Open-loop load at a fixed rate, evenly paced (a few requests every millisecond), timed to the
 * microsecond from the tick in which each call falls due. autocannon's overallRate sends each second's
 * quota in a burst and then waits, which on its own shows p99 near 100 ms for a server that
 * answers in 1 ms, so latency at a given rate is measured here instead. Requests are written as
 * raw HTTP/1.1 on a pool of keep-alive sockets (node:http's client costs too much CPU on a
 * 2-core machine); when every socket is busy, due calls wait in line, as 8x8's would.
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { webhookBody, type BenchRequest } from './generate-rules.js';
import type { LoadResult, RunningLoad } from './load.js';

export interface PacedOptions {
  url: string;
  requests: readonly BenchRequest[];
  rate: number;
  seconds: number;
  connections?: number;
  timeoutMs?: number;
  /** Extra request headers, e.g. the webhook's Authorization. */
  headers?: Record<string, string>;
}

interface Conn {
  socket: Socket;
  /** When the call on this socket was due, or undefined when the socket is free. */
  dueAt: number | undefined;
  pending: Buffer;
}

export function startPacedLoad(opts: PacedOptions): RunningLoad {
  const { hostname, port } = new URL(opts.url);
  const timeoutMs = opts.timeoutMs ?? 10_000;
  // Each body is split around its eventId once, so that every request gets a fresh id cheaply.
  const templates = opts.requests.map((r) => webhookBody(r.payload, '@@ID@@').split('@@ID@@') as [string, string]);
  const extra = Object.entries(opts.headers ?? {})
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  const head = `POST /webhooks/call-action HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: application/json\r\n${extra}Connection: keep-alive\r\nContent-Length: `;
  // A nonce per run: ids stay fresh across runs against the same server, so no call is a replay.
  const nonce = randomBytes(4).toString('hex');
  const latencies: number[] = [];
  const waiting: number[] = []; // due times of calls not yet sent
  const conns: Conn[] = [];
  let due = 0;
  let sent = 0;
  let errors = 0;
  let timeouts = 0;
  let non2xx = 0;
  let stopped = false;
  let stoppedAt = 0;
  const t0 = performance.now();
  const interval = 1000 / opts.rate;

  const open = (): Conn => {
    const conn: Conn = { socket: connect(Number(port), hostname), dueAt: undefined, pending: Buffer.alloc(0) };
    conn.socket.setNoDelay(true);
    conn.socket.on('data', (chunk: Buffer) => onData(conn, chunk));
    conn.socket.on('error', () => {});
    conn.socket.on('close', () => {
      if (conn.dueAt !== undefined) errors++;
      conn.dueAt = undefined;
      conns.splice(conns.indexOf(conn), 1);
    });
    conns.push(conn);
    return conn;
  };
  const onData = (conn: Conn, chunk: Buffer) => {
    conn.pending = conn.pending.length ? Buffer.concat([conn.pending, chunk]) : chunk;
    const end = conn.pending.indexOf('\r\n\r\n');
    if (end === -1 || conn.dueAt === undefined) return;
    const headers = conn.pending.subarray(0, end).toString('latin1');
    const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(headers)?.[1] ?? 0);
    if (conn.pending.length < end + 4 + length) return;
    const status = Number(headers.slice(9, 12));
    if (status < 200 || status >= 300) non2xx++;
    latencies.push(performance.now() - conn.dueAt);
    conn.dueAt = undefined;
    conn.pending = conn.pending.subarray(end + 4 + length);
    dispatch();
  };
  const dispatch = () => {
    while (waiting.length > 0) {
      const conn = conns.find((c) => c.dueAt === undefined) ?? (conns.length < (opts.connections ?? 32) ? open() : undefined);
      if (!conn) return;
      const [before, after] = templates[sent % templates.length]!;
      const body = `${before}paced-${nonce}-${sent}${after}`;
      conn.dueAt = waiting.shift()!;
      conn.socket.write(`${head}${Buffer.byteLength(body)}\r\n\r\n${body}`);
      sent++;
    }
  };

  const stopRef = { stop: () => {} };
  const result = new Promise<LoadResult>((resolve) => {
    const finish = () => {
      for (const c of [...conns]) c.socket.destroy();
      latencies.sort((a, b) => a - b);
      const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
      resolve({ rps: latencies.length / ((stoppedAt - t0) / 1000), requests: latencies.length, p50: at(0.5), p99: at(0.99), max: latencies.at(-1) ?? 0, errors, timeouts, non2xx, resolutionMs: 0.001 });
    };
    const tick = () => {
      const now = performance.now();
      for (const c of conns) {
        if (c.dueAt !== undefined && now - c.dueAt > timeoutMs) {
          timeouts++;
          c.socket.destroy(); // counted as an error on close
        }
      }
      if (!stopped) {
        if (now - t0 >= opts.seconds * 1000) stopRef.stop();
        // Calls arrive in the tick they fall due (1 ms granularity), so the pacing itself adds no latency.
        else for (const target = Math.floor((now - t0) / interval) + 1; due < target; due++) waiting.push(now);
      }
      // Calls already due are still sent after the stop (a lagging client used to wait for them forever).
      dispatch();
      // After the stop, wait for the calls already due to be answered (or time out), then report.
      if (stopped && waiting.length === 0 && conns.every((c) => c.dueAt === undefined)) return finish();
      setTimeout(tick, 1);
    };
    stopRef.stop = () => {
      if (stopped) return;
      stopped = true;
      stoppedAt = performance.now();
    };
    tick();
  });
  return { stop: () => stopRef.stop(), result };
}

export async function runPacedLoad(opts: PacedOptions): Promise<LoadResult> {
  return await startPacedLoad(opts).result;
}

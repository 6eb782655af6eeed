/**
 * Open-loop load at a fixed rate, evenly paced: call i falls due at t0 + i / rate, and its
 * latency is timed to the microsecond from that moment, not from when the client got round to
 * sending it. autocannon's overallRate sends each second's quota in a burst and then waits, which
 * on its own shows p99 near 100 ms for a server that answers in 1 ms, so latency at a given rate
 * is measured here instead. Requests are written as raw HTTP/1.1 on a pool of keep-alive sockets
 * (node:http's client costs too much CPU on a 2-core machine); when every socket is busy, due
 * calls wait in line, as 8x8's would.
 *
 * The client reports its own lag (how late its timer ticks fire), so a p99 it cannot see is not
 * blamed on the server: a tick 10 ms late makes every call due in those 10 ms at least that late.
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { webhookBody, type BenchRequest } from './generate-rules.js';
import type { LoadResult, RunningLoad } from './load.js';

export type PacedOptions = PacedLoadOptions &
  (
    | {
        /** Call actions to POST to the webhook, cycled, each with a fresh eventId. */
        requests: readonly BenchRequest[];
      }
    | {
        /** Or another endpoint: its path and the body of request i (e.g. POST /sessions with a new pair each time). */
        post: { path: string; body: (i: number) => string };
      }
  );

interface PacedLoadOptions {
  url: string;
  rate: number;
  seconds: number;
  connections?: number;
  timeoutMs?: number;
  /** Extra request headers, e.g. the webhook's Authorization. */
  headers?: Record<string, string>;
}

export interface PacedResult extends LoadResult {
  clientLagP99: number;
  /** The client's longest stall, in ms. */
  clientLagMax: number;
  /**
   * p99 from when each request was written to its socket to its answer (ms). Against p99 (from
   * when it fell due), it tells the server's time from the time due requests waited for a free
   * connection in this client.
   */
  writtenP99: number;
  /** Answers by HTTP status. */
  statuses: Record<string, number>;
}

interface Conn {
  socket: Socket;
  /** When the call on this socket fell due, or undefined when the socket is free. */
  dueAt: number | undefined;
  /** When it was written to the socket. */
  writtenAt: number;
  pending: Buffer;
  /** When the socket last became free. */
  idleSince: number;
}

/**
 * A socket idle this long is closed rather than reused: servers close idle keep-alive sockets
 * (the router after 5 s, Node's default), and a call written as the server's close is on its way
 * fails in the client, not in the server. Real clients retry that race; this one avoids it.
 */
const MAX_IDLE_MS = 2000;

const HEADER_END = Buffer.from('\r\n\r\n');

/** The Content-Length of a response head, read without a regex (this runs for every answer). */
function contentLength(head: Buffer): number {
  const at = head.indexOf('ontent-Length:') + 1 || head.indexOf('ontent-length:') + 1;
  if (at === 0) return 0;
  let n = 0;
  for (let i = at + 14; i < head.length; i++) {
    const c = head[i]!;
    if (c === 32) continue;
    if (c < 48 || c > 57) break;
    n = n * 10 + (c - 48);
  }
  return n;
}

const quantile = (sorted: readonly number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;

export function startPacedLoad(opts: PacedOptions): RunningLoad & { result: Promise<PacedResult> } {
  const { hostname, port } = new URL(opts.url);
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const maxConns = opts.connections ?? 32;
  const { path, body } = 'post' in opts ? opts.post : { path: '/webhooks/call-action', body: callActionBodies(opts.requests) };
  const extra = Object.entries(opts.headers ?? {})
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  const head = `POST ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: application/json\r\n${extra}Connection: keep-alive\r\nContent-Length: `;
  const latencies: number[] = [];
  const fromWrite: number[] = [];
  const lags: number[] = [];
  const conns = new Set<Conn>();
  const free: Conn[] = []; // sockets with no call in flight
  const interval = 1000 / opts.rate;
  const t0 = performance.now();
  const dueTime = (i: number) => t0 + i * interval;
  let due = 0; // calls i < due have fallen due
  let sent = 0; // calls i < sent have been written
  let errors = 0;
  let timeouts = 0;
  let non2xx = 0;
  const statuses: Record<string, number> = {};
  let stopped = false;
  let stoppedAt = 0;
  let lastTick = t0;

  const open = (): Conn => {
    const conn: Conn = { socket: connect(Number(port), hostname), dueAt: undefined, writtenAt: 0, pending: Buffer.alloc(0), idleSince: performance.now() };
    conn.socket.setNoDelay(true);
    conn.socket.on('data', (chunk: Buffer) => onData(conn, chunk));
    conn.socket.on('error', () => {});
    conn.socket.on('close', () => {
      if (conn.dueAt !== undefined) errors++;
      conn.dueAt = undefined;
      conns.delete(conn);
      const at = free.indexOf(conn);
      if (at !== -1) free.splice(at, 1);
    });
    conns.add(conn);
    return conn;
  };
  const onData = (conn: Conn, chunk: Buffer) => {
    conn.pending = conn.pending.length ? Buffer.concat([conn.pending, chunk]) : chunk;
    const end = conn.pending.indexOf(HEADER_END);
    if (end === -1 || conn.dueAt === undefined) return;
    const length = contentLength(conn.pending.subarray(0, end));
    if (conn.pending.length < end + 4 + length) return;
    const status = (conn.pending[9]! - 48) * 100 + (conn.pending[10]! - 48) * 10 + (conn.pending[11]! - 48);
    if (status < 200 || status >= 300) non2xx++;
    statuses[status] = (statuses[status] ?? 0) + 1;
    const now = performance.now();
    latencies.push(now - conn.dueAt);
    fromWrite.push(now - conn.writtenAt);
    conn.dueAt = undefined;
    conn.pending = conn.pending.subarray(end + 4 + length);
    conn.idleSince = performance.now();
    free.push(conn);
    dispatch();
  };
  const freeSocket = (): Conn | undefined => {
    const now = performance.now();
    for (let conn = free.pop(); conn; conn = free.pop()) {
      if (now - conn.idleSince < MAX_IDLE_MS) return conn;
      conns.delete(conn);
      conn.socket.destroy();
    }
    return conns.size < maxConns ? open() : undefined;
  };
  const dispatch = () => {
    while (sent < due) {
      const conn = freeSocket();
      if (!conn) return;
      const text = body(sent);
      conn.dueAt = dueTime(sent);
      conn.writtenAt = performance.now();
      conn.socket.write(`${head}${Buffer.byteLength(text)}\r\n\r\n${text}`);
      sent++;
    }
  };

  const stopRef = { stop: () => {} };
  const result = new Promise<PacedResult>((resolve) => {
    const finish = () => {
      for (const c of [...conns]) c.socket.destroy();
      latencies.sort((a, b) => a - b);
      lags.sort((a, b) => a - b);
      fromWrite.sort((a, b) => a - b);
      resolve({
        rps: latencies.length / ((stoppedAt - t0) / 1000),
        requests: latencies.length,
        p50: quantile(latencies, 0.5),
        p99: quantile(latencies, 0.99),
        max: latencies.at(-1) ?? 0,
        errors,
        timeouts,
        non2xx,
        resolutionMs: 0.001,
        clientLagP99: quantile(lags, 0.99),
        clientLagMax: lags.at(-1) ?? 0,
        writtenP99: quantile(fromWrite, 0.99),
        statuses,
      });
    };
    const tick = () => {
      const now = performance.now();
      // Asked for 1 ms: anything beyond is the client's own stall (GC, a neighbour on its core).
      lags.push(Math.max(0, now - lastTick - 1));
      lastTick = now;
      for (const c of conns) {
        if (c.dueAt !== undefined && now - c.dueAt > timeoutMs) {
          timeouts++;
          c.socket.destroy(); // counted as an error on close
        }
      }
      if (!stopped) {
        if (now - t0 >= opts.seconds * 1000) stopRef.stop();
        else due = Math.floor((now - t0) / interval) + 1;
      }
      // Calls already due are still sent after the stop (a lagging client used to wait for them forever).
      dispatch();
      // After the stop, wait for the calls already due to be answered (or time out), then report.
      if (stopped && sent === due && [...conns].every((c) => c.dueAt === undefined)) return finish();
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

/** Call i's body: the events cycled, each with a fresh eventId. */
function callActionBodies(requests: readonly BenchRequest[]): (i: number) => string {
  // Each body is split around its eventId once, so that every request gets a fresh id cheaply.
  const templates = requests.map((r) => webhookBody(r.payload, '@@ID@@').split('@@ID@@') as [string, string]);
  // A nonce per run: ids stay fresh across runs against the same server, so no call is a replay.
  const nonce = randomBytes(4).toString('hex');
  return (i) => {
    const [before, after] = templates[i % templates.length]!;
    return `${before}paced-${nonce}-${i}${after}`;
  };
}

export async function runPacedLoad(opts: PacedOptions): Promise<PacedResult> {
  return await startPacedLoad(opts).result;
}

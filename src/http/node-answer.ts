import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../log/logger.js';
import type { Metrics } from '../metrics/metrics.js';
import { errorBody } from '../web/errors.js';
import { BodyTooLarge, MAX_BODY_BYTES, isJsonContentType, parse, type JsonBody } from './read-json.js';
import { endpointOf } from './request-log.js';

/**
 * What the node:http fast paths (fast-call-action.ts, fast-sessions-create.ts) share: which
 * requests they take, reading the body, and an answer with the same metric and log line as
 * requestLog gives a request through Hono.
 */

/** Whether node:http may hand this request to the fast path for POST `path`; everything else goes through Hono. */
export function isPostTo(req: IncomingMessage, path: string): boolean {
  return req.method === 'POST' && (req.url === path || req.url?.startsWith(`${path}?`) === true);
}

export interface NodeAnswer {
  status: number;
  text: string;
  /** Extra response headers. */
  headers?: Record<string, string>;
  /** Extra fields for the request's log line. */
  fields?: Record<string, unknown>;
}

/** Sends answers for POST `path`: the JSON text, then the request metric and the log line. */
export function nodeAnswerer(path: string, log: Logger, metrics: Metrics) {
  const endpoint = endpointOf(path);
  const send = (res: ServerResponse, started: number, a: NodeAnswer): void => {
    res.writeHead(a.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(a.text), ...a.headers });
    res.end(a.text);
    metrics.recordRequest(endpoint, a.status);
    const ms = Math.round((performance.now() - started) * 1000) / 1000;
    log({ level: a.status >= 500 ? 'error' : 'info', msg: 'request', method: 'POST', path, status: a.status, ms, ...a.fields });
  };
  /** Sends what `answer` settles to (nothing if undefined or already answered), or a 500 if it throws. */
  const sendWhenDone = (res: ServerResponse, started: number, answer: Promise<NodeAnswer | undefined>): void => {
    answer.then(
      (a) => {
        if (a && !res.headersSent) send(res, started, a);
      },
      (e: unknown) => {
        log({ level: 'error', msg: 'unhandled-error', path, error: e instanceof Error ? e.message : String(e) });
        if (!res.headersSent) send(res, started, { status: 500, text: errorBody('internal-error', 'the server could not handle this request') });
      },
    );
  };
  return { send, sendWhenDone };
}

/** The body as JSON, straight from the socket: the same checks and limits as readJson. */
export function readNodeJson(req: IncomingMessage, maxBytes = MAX_BODY_BYTES): Promise<JsonBody> {
  const type = req.headers['content-type'];
  if (!isJsonContentType(type)) return Promise.resolve({ ok: false, problem: 'not-json', ...(type !== undefined ? { contentType: type } : {}) });
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > maxBytes) return Promise.resolve({ ok: false, problem: 'body-too-large' });
  return parse(
    () =>
      new Promise<string>((resolve, reject) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const onData = (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) {
            // Stop keeping it; Node discards the rest (bounded by the request timeout).
            req.off('data', onData);
            req.resume();
            return reject(new BodyTooLarge());
          }
          chunks.push(chunk);
        };
        req.on('data', onData);
        req.once('end', () => resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8')));
        req.once('error', reject);
      }),
  );
}

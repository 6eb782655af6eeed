import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../log/logger.js';
import type { Metrics } from '../metrics/metrics.js';
import type { callActionAnswerer } from './answer-call-action.js';
import { errorBody } from '../web/errors.js';
import { BodyTooLarge, MAX_BODY_BYTES, isJsonContentType, parse, type JsonBody } from './read-json.js';
import { accessCheck, type WebhookGuardOptions } from './webhook-guard.js';

const PATH = '/webhooks/call-action';

/** Whether node:http may hand this request to the fast path; everything else goes through Hono. */
export function isCallAction(req: IncomingMessage): boolean {
  return req.method === 'POST' && (req.url === PATH || req.url?.startsWith(`${PATH}?`) === true);
}

export interface FastCallActionDeps {
  answer: ReturnType<typeof callActionAnswerer>;
  access: WebhookGuardOptions;
  log: Logger;
  metrics: Metrics;
}

/**
 * POST /webhooks/call-action straight on node:http: the same guard, answerer, metrics and log
 * line as the Hono route, without building a web Request, a Hono context and a web Response per
 * call (that adaptation cost about as much as the whole routing decision). The Hono route stays
 * for app.request() and is the reference the tests compare this path with.
 */
export function fastCallAction(deps: FastCallActionDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const check = accessCheck(deps.access);
  const finish = (res: ServerResponse, started: number, status: number, text: string, fields: Record<string, unknown>) => {
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
    deps.metrics.recordRequest(PATH, status);
    const ms = Math.round((performance.now() - started) * 1000) / 1000;
    deps.log({ level: status >= 500 ? 'error' : 'info', msg: 'request', method: 'POST', path: PATH, status, ms, ...fields });
  };
  return (req, res) => {
    const started = performance.now();
    const h = req.headers;
    const forwarded = h['x-forwarded-for'];
    const denied = check(req.socket.remoteAddress, Array.isArray(forwarded) ? forwarded.join(',') : forwarded, h.authorization);
    if (denied) return finish(res, started, denied.status, errorBody(denied.code, denied.message), {});
    deps
      .answer(() => readNodeJson(req))
      .then(
        (answered) => {
          if (answered && !res.headersSent) finish(res, started, answered.status, answered.text, answered.fields);
        },
        (e: unknown) => {
          deps.log({ level: 'error', msg: 'unhandled-error', path: PATH, error: e instanceof Error ? e.message : String(e) });
          if (!res.headersSent) finish(res, started, 500, errorBody('internal-error', 'the server could not handle this request'), {});
        },
      );
  };
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

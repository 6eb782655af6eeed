import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../log/logger.js';
import type { Metrics } from '../metrics/metrics.js';
import { errorBody } from '../web/errors.js';
import { secretMatcher } from '../web/secrets.js';
import { readNodeJson } from './fast-call-action.js';
import type { SessionWrites } from './sessions-route.js';

const PATH = '/sessions';
/** request-log.ts's metrics label for the sessions API (a fixed set of labels). */
const ENDPOINT = 'other';

/** Whether node:http may hand this request to the create fast path; everything else goes through Hono. */
export function isSessionCreate(req: IncomingMessage): boolean {
  return req.method === 'POST' && (req.url === PATH || req.url?.startsWith(`${PATH}?`) === true);
}

export interface FastSessionCreateDeps {
  writes: SessionWrites;
  /** The API token (the fast path exists only when the API is on). */
  token: string;
  log: Logger;
  metrics: Metrics;
}

/**
 * POST /sessions straight on node:http: the same token check, create, answers, metrics and log
 * line as apiAuth and the Hono route, without a web Request, a Hono context and a web Response
 * per create (that adaptation was about a third of a create's CPU time on the main thread and
 * a third of what it left for the garbage collector). The Hono route stays for app.request()
 * and is what the tests compare this path with.
 */
export function fastSessionCreate(deps: FastSessionCreateDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const matches = secretMatcher(`Bearer ${deps.token}`);
  const finish = (res: ServerResponse, started: number, status: number, text: string, headers: Record<string, string>) => {
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
    res.end(text);
    deps.metrics.recordRequest(ENDPOINT, status);
    const ms = Math.round((performance.now() - started) * 1000) / 1000;
    deps.log({ level: status >= 500 ? 'error' : 'info', msg: 'request', method: 'POST', path: PATH, status, ms });
  };
  const none = {};
  return (req, res) => {
    const started = performance.now();
    if (!matches(req.headers.authorization ?? '')) {
      return finish(res, started, 401, errorBody('unauthorized', 'send the API token as `Authorization: Bearer <API_TOKEN>`'), none);
    }
    deps.writes
      .create(() => readNodeJson(req))
      .then(
        (answer) => {
          if (!res.headersSent) finish(res, started, answer.status, answer.text, answer.headers);
        },
        (e: unknown) => {
          deps.log({ level: 'error', msg: 'unhandled-error', path: PATH, error: e instanceof Error ? e.message : String(e) });
          if (!res.headersSent) finish(res, started, 500, errorBody('internal-error', 'the server could not handle this request'), none);
        },
      );
  };
}

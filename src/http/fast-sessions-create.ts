import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../log/logger.js';
import type { Metrics } from '../metrics/metrics.js';
import { errorBody } from '../web/errors.js';
import { secretMatcher } from '../web/secrets.js';
import { UNAUTHORIZED_MESSAGE } from './api-auth.js';
import { isPostTo, nodeAnswerer, readNodeJson } from './node-answer.js';
import type { SessionWrites } from './sessions-route.js';

const PATH = '/sessions';

/** Whether node:http may hand this request to the create fast path; everything else goes through Hono. */
export function isSessionCreate(req: IncomingMessage): boolean {
  return isPostTo(req, PATH);
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
  const { send, sendWhenDone } = nodeAnswerer(PATH, deps.log, deps.metrics);
  return (req, res) => {
    const started = performance.now();
    if (!matches(req.headers.authorization ?? '')) return send(res, started, { status: 401, text: errorBody('unauthorized', UNAUTHORIZED_MESSAGE) });
    sendWhenDone(
      res,
      started,
      deps.writes.create(() => readNodeJson(req)),
    );
  };
}

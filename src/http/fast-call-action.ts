import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../log/logger.js';
import type { Metrics } from '../metrics/metrics.js';
import type { callActionAnswerer } from './answer-call-action.js';
import { errorBody } from '../web/errors.js';
import { isPostTo, nodeAnswerer, readNodeJson } from './node-answer.js';
import { accessCheck, type WebhookGuardOptions } from './webhook-guard.js';

const PATH = '/webhooks/call-action';

/** Whether node:http may hand this request to the fast path; everything else goes through Hono. */
export function isCallAction(req: IncomingMessage): boolean {
  return isPostTo(req, PATH);
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
  const { send, sendWhenDone } = nodeAnswerer(PATH, deps.log, deps.metrics);
  return (req, res) => {
    const started = performance.now();
    const h = req.headers;
    const forwarded = h['x-forwarded-for'];
    const denied = check(req.socket.remoteAddress, Array.isArray(forwarded) ? forwarded.join(',') : forwarded, h.authorization);
    if (denied) return send(res, started, { status: denied.status, text: errorBody(denied.code, denied.message) });
    sendWhenDone(
      res,
      started,
      deps.answer(() => readNodeJson(req)),
    );
  };
}

import type { ServerType } from '@hono/node-server';
import type { Server, ServerResponse } from 'node:http';

/**
 * Stops accepting connections and resolves once the requests in flight are answered. Idle
 * keep-alive connections are closed at once; a response still being worked on goes out with
 * `Connection: close`, so its client sends nothing more on that socket and nothing is reset.
 * After `timeoutMs` the rest are cut. `open`: the unfinished responses (trackResponses).
 */
export function closeGracefully(server: ServerType, timeoutMs: number, open?: Iterable<ServerResponse>): Promise<void> {
  return new Promise((resolve) => {
    const http = server as Server;
    const noKeepAlive = (res: ServerResponse) => {
      if (!res.headersSent) res.shouldKeepAlive = false;
      // Already sent with keep-alive: close the socket once this response is done with it.
      else res.once('finish', () => setImmediate(() => http.closeIdleConnections?.()));
    };
    for (const res of open ?? []) noKeepAlive(res);
    // Requests that arrive on connections still open (their bytes were already on the way).
    http.on?.('request', (_req, res: ServerResponse) => noKeepAlive(res));
    const cut = setTimeout(() => http.closeAllConnections?.(), timeoutMs);
    server.close(() => {
      clearTimeout(cut);
      resolve();
    });
    http.closeIdleConnections?.();
  });
}

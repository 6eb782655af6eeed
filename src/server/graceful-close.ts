import type { ServerType } from '@hono/node-server';

/**
 * Stops accepting connections and resolves once the requests in flight are answered. Keep-alive
 * connections are closed as soon as they fall idle; after `timeoutMs` the rest are cut.
 */
export function closeGracefully(server: ServerType, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const http = server as ServerType & { closeIdleConnections?: () => void; closeAllConnections?: () => void };
    const sweep = setInterval(() => http.closeIdleConnections?.(), 100);
    const cut = setTimeout(() => http.closeAllConnections?.(), timeoutMs);
    server.close(() => {
      clearInterval(sweep);
      clearTimeout(cut);
      resolve();
    });
    http.closeIdleConnections?.();
  });
}

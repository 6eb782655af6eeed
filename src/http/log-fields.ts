import type { Context } from 'hono';

declare module 'hono' {
  interface ContextVariableMap {
    /** Fields a route adds to the one log line written for its request (callId, sessionId, rule...). */
    logFields: Record<string, unknown>;
  }
}

export function addLogFields(c: Context, fields: Record<string, unknown>): void {
  c.set('logFields', { ...c.get('logFields'), ...fields });
}

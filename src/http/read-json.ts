import type { Context } from 'hono';
import { jsonError } from './errors.js';

/** A 8x8 event is about 1 KiB; 64 KiB leaves room for fields 8x8 may add, and no more. */
export const MAX_BODY_BYTES = 64 * 1024;

export type JsonBody = { ok: true; value: unknown } | { ok: false; problem: 'invalid-json' | 'body-too-large' };

/**
 * The request body as JSON, read by the route itself rather than buffered by a middleware first,
 * so a route's deadline also covers a sender that is slow to send the body.
 */
export async function readJson(c: Context, maxBytes = MAX_BODY_BYTES): Promise<JsonBody> {
  if (Number(c.req.header('content-length') ?? 0) > maxBytes) return { ok: false, problem: 'body-too-large' };
  const body = c.req.raw.body;
  if (!body) return { ok: false, problem: 'invalid-json' };
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        void reader.cancel().catch(() => {});
        return { ok: false, problem: 'body-too-large' };
      }
      chunks.push(value);
    }
    return { ok: true, value: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown };
  } catch {
    return { ok: false, problem: 'invalid-json' };
  }
}

/** The 4xx answer for a body readJson refused. */
export function bodyError(c: Context, problem: 'invalid-json' | 'body-too-large') {
  return problem === 'body-too-large'
    ? jsonError(c, 413, 'body-too-large', `the request body is over ${MAX_BODY_BYTES / 1024} KiB`)
    : jsonError(c, 400, 'invalid-json', 'the request body is not valid JSON');
}

import type { Context } from 'hono';
import { jsonError } from './errors.js';

/** A 8x8 event is about 1 KiB; 64 KiB leaves room for fields 8x8 may add, and no more. */
export const MAX_BODY_BYTES = 64 * 1024;

export type JsonBody = { ok: true; value: unknown; text: string } | { ok: false; problem: 'invalid-json' | 'body-too-large' };

/**
 * The request body as JSON, read by the route itself rather than buffered by a middleware first,
 * so a route's deadline also covers a sender that is slow to send the body.
 */
export async function readJson(c: Context, maxBytes = MAX_BODY_BYTES): Promise<JsonBody> {
  const declared = c.req.header('content-length');
  if (declared !== undefined) {
    if (Number(declared) > maxBytes) return { ok: false, problem: 'body-too-large' };
    // Node's parser delivers no more than Content-Length bytes, so the body is bounded: read it
    // through @hono/node-server's direct path, which skips building a web ReadableStream (the
    // stream costs about half the throughput of the whole webhook).
    return parse(() => c.req.text());
  }
  // Chunked, with no declared length: count the bytes as they arrive and stop past the limit.
  const body = c.req.raw.body;
  if (!body) return { ok: false, problem: 'invalid-json' };
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = body.getReader();
  return parse(async () => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        void reader.cancel().catch(() => {});
        throw new BodyTooLarge();
      }
      chunks.push(value);
    }
    return Buffer.concat(chunks).toString('utf8');
  });
}

class BodyTooLarge extends Error {}

async function parse(read: () => Promise<string>): Promise<JsonBody> {
  try {
    // Some senders start JSON with a byte-order mark; JSON.parse does not accept one.
    const text = await read();
    return { ok: true, value: JSON.parse(text.replace(/^\uFEFF/, '')) as unknown, text };
  } catch (e) {
    return { ok: false, problem: e instanceof BodyTooLarge ? 'body-too-large' : 'invalid-json' };
  }
}

/** The 4xx answer for a body readJson refused. */
export function bodyError(c: Context, problem: 'invalid-json' | 'body-too-large') {
  return problem === 'body-too-large'
    ? jsonError(c, 413, 'body-too-large', `the request body is over ${MAX_BODY_BYTES / 1024} KiB`)
    : jsonError(c, 400, 'invalid-json', 'the request body is not valid JSON');
}

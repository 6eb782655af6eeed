import type { Context } from 'hono';
import { errorBody } from '../web/errors.js';

/** A 8x8 event is about 1 KiB; 64 KiB leaves room for fields 8x8 may add, and no more. */
export const MAX_BODY_BYTES = 64 * 1024;
/** 8x8 events nest 3–4 levels; past this, later code (stringify, compare) would recurse without bound. */
const MAX_JSON_DEPTH = 32;

export type BodyProblem = 'invalid-json' | 'body-too-large' | 'too-deep' | 'not-json';
export type JsonBody = { ok: true; value: unknown; text: string } | { ok: false; problem: BodyProblem; contentType?: string };

/**
 * JSON media types: application/json (with or without charset) and the +json family. 8x8 does
 * not document its headers, so a request with no Content-Type at all is read as JSON: refusing
 * it could hang up every caller. A type that says it is something else gets a 415.
 */
const JSON_TYPE = /^\s*(?:application\/(?:[\w.+-]+\+)?json|text\/json)\s*(?:;|$)/i;

export function isJsonContentType(header: string | undefined): boolean {
  return header === undefined || header.trim() === '' || JSON_TYPE.test(header);
}

/**
 * The request body as JSON, read by the route itself rather than buffered by a middleware first,
 * so a route's deadline also covers a sender that is slow to send the body. `text` is the body as
 * received (the decision log keeps it, the replay cache keys on it).
 */
export async function readJson(c: Context, maxBytes = MAX_BODY_BYTES): Promise<JsonBody> {
  const type = c.req.header('content-type');
  if (!isJsonContentType(type)) return { ok: false, problem: 'not-json', ...(type !== undefined ? { contentType: type } : {}) };
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

export class BodyTooLarge extends Error {}

export async function parse(read: () => Promise<string>): Promise<JsonBody> {
  let text: string;
  let value: unknown;
  try {
    // Some senders start JSON with a byte-order mark; JSON.parse does not accept one.
    text = await read();
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    value = JSON.parse(text) as unknown;
  } catch (e) {
    return { ok: false, problem: e instanceof BodyTooLarge ? 'body-too-large' : 'invalid-json' };
  }
  return nestsDeeper(value, MAX_JSON_DEPTH) ? { ok: false, problem: 'too-deep' } : { ok: true, value, text };
}

/** Whether objects/arrays nest more than `max` levels; iterative, so depth cannot overflow the stack here. */
function nestsDeeper(value: unknown, max: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const stack: object[] = [value];
  const depths: number[] = [1];
  while (stack.length > 0) {
    const node = stack.pop()!;
    const depth = depths.pop()!;
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      if (typeof child !== 'object' || child === null) continue;
      if (depth + 1 > max) return true;
      stack.push(child as object);
      depths.push(depth + 1);
    }
  }
  return false;
}

/** The 4xx answer for a body readJson refused, as status and JSON text. */
export function bodyErrorAnswer(problem: BodyProblem, contentType?: string): { status: 400 | 413 | 415; text: string; fields: Record<string, unknown> } {
  const fields = {};
  switch (problem) {
    case 'body-too-large':
      return { status: 413, text: errorBody('body-too-large', `the request body is over ${MAX_BODY_BYTES / 1024} KiB`), fields };
    case 'too-deep':
      return { status: 400, text: errorBody('too-deep', `the JSON nests deeper than ${MAX_JSON_DEPTH} levels; 8x8 events nest 4`), fields };
    case 'not-json': {
      const got = contentType === undefined ? 'no Content-Type' : `Content-Type "${contentType.slice(0, 100)}"`;
      return { status: 415, text: errorBody('unsupported-media-type', `send the event as JSON with Content-Type: application/json (got ${got})`), fields };
    }
    case 'invalid-json':
      return { status: 400, text: errorBody('invalid-json', 'the request body is not valid JSON'), fields };
  }
}

/** The 4xx answer for a body readJson refused. */
export function bodyError(c: Context, problem: BodyProblem, contentType?: string) {
  const { status, text } = bodyErrorAnswer(problem, contentType);
  return c.body(text, status, { 'content-type': 'application/json' });
}

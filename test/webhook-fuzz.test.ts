import { Ajv } from 'ajv';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readSchema } from '../src/source/read-schema.js';
import { example, post, testServer } from './helpers/webhook-app.js';

const validateCallflow = new Ajv({ strict: true, allowUnionTypes: true }).compile(readSchema('callflow'));
const DELETE = Symbol('delete');

/** Every path to a value in a sample event, plus a few new keys 8x8 might add. */
function pathsOf(value: unknown, prefix: string[] = []): string[][] {
  if (value === null || typeof value !== 'object') return [prefix];
  const own = Object.entries(value).flatMap(([k, v]) => pathsOf(v, [...prefix, k]));
  return [...(prefix.length > 0 ? [prefix] : []), ...own, [...prefix, 'addedBy8x8']];
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node: unknown = target;
  for (const key of path.slice(0, -1)) {
    if (node === null || typeof node !== 'object') return;
    node = (node as Record<string, unknown>)[key];
  }
  if (node === null || typeof node !== 'object') return;
  const last = path[path.length - 1]!;
  if (value === DELETE) delete (node as Record<string, unknown>)[last];
  else (node as Record<string, unknown>)[last] = value;
}

/** Values a rule or schema might trip on: realistic ones near the edges, and plain junk. */
const fieldValue = fc.oneof(
  fc.constant(DELETE),
  fc.constantFrom('+6591234567', '+65123456789', '6591234567', '+60123456789', '+', '', 'SG', 'sg', 'MY', 'vn-ref-1', 'vn-ref-2', 'main-menu', '1', 'NO ANSWER', 'CANCELLED', 'COMPLETED', -2004, '-2004'),
  fc.constantFrom<unknown>({ dtmf: '1' }, { dtmf: null }, { asrCaptured: 'yes' }, [], {}, 0, -1, 1e21, true, null),
  fc.string({ maxLength: 80 }),
  fc.string({ minLength: 60, maxLength: 300 }),
  fc.integer(),
  fc.double(),
  fc.jsonValue({ maxDepth: 3 }),
);

function mutatedEvents(sample: Record<string, unknown>) {
  const paths = pathsOf(sample);
  return fc.array(fc.record({ path: fc.constantFrom(...paths), value: fieldValue }), { minLength: 1, maxLength: 4 }).map((mutations) => {
    const event = structuredClone(sample);
    // Values from constantFrom are shared between runs: set copies, so no run edits another's value.
    for (const m of mutations) setPath(event, m.path, m.value === DELETE ? DELETE : structuredClone(m.value));
    return JSON.stringify(event);
  });
}

const junkBodies = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? 'null'),
  fc.string({ maxLength: 200 }),
  fc.constantFrom('', '{', '{"payload":', 'null', '[]', '{"payload":null}', '{"payload":[]}', '\u0000', '{"payload":{}}'),
);

const ENDPOINTS = [
  ['/webhooks/call-action', ['call-action', 'call-action-dtmf']],
  ['/webhooks/call-status', ['call-status']],
  ['/webhooks/session-summary', ['session-summary', 'session-summary-error']],
] as const;

describe('every webhook under random and mutated events', () => {
  it.each(ENDPOINTS)('%s answers 200 with a valid body or a 4xx JSON error, and stays up', async (path, samples) => {
    const { app, recorder } = await testServer();
    const bodies = fc.oneof({ weight: 3, arbitrary: fc.oneof(...samples.map((s) => mutatedEvents(example(s)))) }, { weight: 1, arbitrary: junkBodies });
    const seen = new Map<number, number>();

    await fc.assert(
      fc.asyncProperty(bodies, async (body) => {
        const res = await post(app, path, body);
        seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
        const answer = (await res.json()) as any;
        if (res.status === 200) {
          if (path === '/webhooks/call-action') {
            expect(validateCallflow(answer), JSON.stringify(validateCallflow.errors)).toBe(true);
          } else {
            expect(answer).toEqual({ received: true, duplicate: expect.any(Boolean) });
          }
        } else {
          expect([400, 413]).toContain(res.status);
          expect(answer).toEqual({ error: { code: expect.any(String), message: expect.any(String), ...(answer.error?.field !== undefined ? { field: expect.any(String) } : {}) } });
        }
      }),
      { numRuns: 1500 },
    );

    // Both kinds of answer happened: the generators reach past validation and into it.
    expect(seen.get(200)).toBeGreaterThan(50);
    expect(seen.get(400)).toBeGreaterThan(50);
    expect((await app.request('/healthz')).status).toBe(200);
    recorder.close();
  });
});

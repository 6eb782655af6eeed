import { Hono, type Context } from 'hono';
import { checkPhoneNumber } from '../rules/phone-number.js';
import { sessionJson, type SessionStatus } from '../sessions/session.js';
import { StoreUnavailable } from '../sessions/sessions-engine.js';
import { requestHash, type CreateInput, type PatchInput, type Refusal, type Sessions } from '../sessions/sessions-service.js';
import type { SessionCreate } from '../types/generated/session-create.js';
import type { SessionPatch } from '../types/generated/session-patch.js';
import { parseIsoWithZone } from '../text/dates.js';
import { errorBody, jsonError } from '../web/errors.js';
import { bodyError, bodyErrorAnswer, type JsonBody, readJson } from './read-json.js';
import { TurnBudget } from './turn-budget.js';
import { bodyValidator } from './validate-body.js';

const validateCreate = bodyValidator<SessionCreate>('session-create');
const validatePatch = bodyValidator<SessionPatch>('session-patch');

const STATUSES: readonly SessionStatus[] = ['open', 'closed', 'expired'];
const MAX_PAGE = 500;
/** The most calls GET /sessions/:id/calls lists (the first ones): a long-lived session must not make one answer of megabytes. */
export const SESSION_CALLS_SHOWN = 1000;

/** Writes' work per event-loop turn (about 0.1 ms each): calls waiting behind a burst of creates wait for this many, not the burst. */
const WRITES_PER_TURN = 8;

type Checked<T> = { ok: true; value: T } | { ok: false; field: string; message: string };
const bad = (field: string, message: string) => ({ ok: false as const, field, message });

/** An answer as status, JSON text and extra headers: what both ways in to a create send. */
interface CreateAnswer {
  status: 201 | 400 | 404 | 409 | 413 | 415 | 503;
  text: string;
  headers: Record<string, string>;
}

/** The sessions API's writes: one turn budget for them all, and POST /sessions as a function of its body. */
export interface SessionWrites {
  /** Before a write's checks and again before its answer: both halves of a write yield to calls. */
  turn(): Promise<void>;
  /** POST /sessions: `read` gives the body; used by the route below and by fast-sessions-create.ts. */
  create(read: () => Promise<JsonBody>): Promise<CreateAnswer>;
}

export function sessionWrites(sessions: Sessions, clock: () => number = () => Date.now()): SessionWrites {
  const budget = new TurnBudget(WRITES_PER_TURN);
  const turn = async () => {
    const wait = budget.take();
    if (wait) await wait;
  };
  const none = {};
  const error = (status: CreateAnswer['status'], code: string, message: string, field?: string): CreateAnswer => ({ status, text: errorBody(code, message, field), headers: none });
  return {
    turn,
    async create(read) {
      await turn();
      const body = await read();
      if (!body.ok) {
        const refused = bodyErrorAnswer(body.problem);
        return { status: refused.status, text: refused.text, headers: none };
      }
      const checked = validateCreate(body.value);
      if (!checked.ok) return error(400, 'invalid-request', checked.problem.message, checked.problem.field);
      const input = createInput(checked.value, clock());
      if (!input.ok) return error(400, 'invalid-request', input.message, input.field);
      // The hash only tells a retry (same ref) from another create: without a ref there is nothing to compare.
      const result = await sessions.create(input.value, input.value.ref ? requestHash(body.value) : undefined);
      await turn();
      if (!result.ok) return error(result.status, result.code, result.message, result.field);
      // A retry of the same create answers as the first one did.
      return { status: 201, text: JSON.stringify(sessionJson(result.session, clock())), headers: result.replay ? { 'idempotent-replayed': 'true' } : none };
    },
  };
}

/** The sessions API (behind apiAuth in app.ts): open, read, list, extend and close masking sessions. */
export function sessionsRoute(sessions: Sessions, clock: () => number = () => Date.now(), writes: SessionWrites = sessionWrites(sessions, clock)): Hono {
  const app = new Hono();
  const refused = (c: Context, r: Refusal) => jsonError(c, r.status, r.code, r.message, r.field);
  const { turn } = writes;

  app.post('/', async (c) => {
    const answer = await writes.create(() => readJson(c));
    return c.body(answer.text, answer.status, { 'content-type': 'application/json', ...answer.headers });
  });

  app.get('/', async (c) => {
    const q = c.req.query();
    const query: Parameters<Sessions['list']>[0] = { limit: 50 };
    for (const key of Object.keys(q)) {
      if (!['party', 'virtualNumber', 'ref', 'status', 'limit', 'cursor'].includes(key)) {
        return jsonError(c, 400, 'invalid-request', `${key} is not a filter: use party, virtualNumber, ref, status, limit or cursor`, key);
      }
    }
    for (const key of ['party', 'virtualNumber'] as const) {
      if (q[key] === undefined) continue;
      const phone = checkPhoneNumber(q[key]);
      if (!phone.ok) return jsonError(c, 400, 'invalid-request', phone.message, key);
      query[key] = phone.e164;
    }
    if (q.ref !== undefined) query.ref = q.ref;
    if (q.status !== undefined) {
      if (!STATUSES.includes(q.status as SessionStatus)) return jsonError(c, 400, 'invalid-request', `status must be one of ${STATUSES.join(', ')}`, 'status');
      query.status = q.status as SessionStatus;
    }
    if (q.limit !== undefined) {
      const limit = Number(q.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) return jsonError(c, 400, 'invalid-request', `limit must be a whole number from 1 to ${MAX_PAGE}`, 'limit');
      query.limit = limit;
    }
    if (q.cursor !== undefined) {
      const after = readCursor(q.cursor);
      if (!after) return jsonError(c, 400, 'invalid-request', 'cursor is not one this API gave: pass `next` from the previous page as it is', 'cursor');
      query.after = after;
    }
    const page = await sessions.list({ ...query, limit: query.limit + 1 });
    const more = page.length > query.limit;
    const shown = page.slice(0, query.limit);
    const last = shown[shown.length - 1];
    const now = clock();
    return c.json({ sessions: shown.map((s) => sessionJson(s, now)), next: more && last ? cursorOf(last.createdAt, last.id) : null });
  });

  app.get('/:id', async (c) => {
    const s = await sessions.get(c.req.param('id'));
    if (!s) return jsonError(c, 404, 'session-not-found', `there is no session ${c.req.param('id')}`);
    return c.json(sessionJson(s, clock()));
  });

  app.get('/:id/calls', async (c) => {
    const id = c.req.param('id');
    if (!(await sessions.get(id))) return jsonError(c, 404, 'session-not-found', `there is no session ${id}`);
    // One more than is shown: the answer says when the session had more calls.
    const read = await sessions.callsOf(id, SESSION_CALLS_SHOWN + 1);
    const calls = read.slice(0, SESSION_CALLS_SHOWN).map((k) => ({ at: new Date(k.at).toISOString(), callId: k.callId, caller: k.caller, callee: k.callee, rule: k.ruleId }));
    return c.json({ sessionId: id, calls, truncated: read.length > calls.length });
  });

  app.patch('/:id', async (c) => {
    await turn();
    const body = await readJson(c);
    if (!body.ok) return bodyError(c, body.problem);
    const checked = validatePatch(body.value);
    if (!checked.ok) return jsonError(c, 400, 'invalid-request', checked.problem.message, checked.problem.field);
    const patch = patchInput(checked.value, clock());
    if (!patch.ok) return jsonError(c, 400, 'invalid-request', patch.message, patch.field);
    const result = await sessions.update(c.req.param('id'), patch.value);
    await turn();
    if (!result.ok) return refused(c, result);
    return c.json(sessionJson(result.session, clock()));
  });

  app.delete('/:id', async (c) => {
    await turn();
    const result = await sessions.update(c.req.param('id'), { close: true });
    await turn();
    if (!result.ok) return refused(c, result);
    return c.json(sessionJson(result.session, clock()));
  });

  // A read that needs the store while it is down: the same 503 the writes give.
  app.onError((e, c) => {
    if (e instanceof StoreUnavailable) return jsonError(c, 503, 'sessions-store-unavailable', e.message);
    throw e;
  });
  app.all('/', (c) => jsonError(c, 405, 'method-not-allowed', 'use GET or POST for /sessions'));
  app.all('/:id', (c) => jsonError(c, 405, 'method-not-allowed', 'use GET, PATCH or DELETE for /sessions/:id'));
  return app;
}

function createInput(body: SessionCreate, now: number): Checked<CreateInput> {
  const parties: string[] = [];
  for (const [i, raw] of body.parties.entries()) {
    const phone = checkPhoneNumber(raw);
    if (!phone.ok) return bad(`parties.${i}`, phone.message);
    parties.push(phone.e164);
  }
  if (parties[0] === parties[1]) return bad('parties.1', `both parties are ${parties[0]}: a session connects two different people`);
  if ((body.virtualNumber === undefined) === (body.pool === undefined)) {
    return bad(body.pool === undefined ? 'virtualNumber' : 'pool', 'give exactly one of virtualNumber (a number you choose) or pool (a number is picked for you)');
  }
  let virtualNumber: string | undefined;
  if (body.virtualNumber !== undefined) {
    const phone = checkPhoneNumber(body.virtualNumber);
    if (!phone.ok) return bad('virtualNumber', phone.message);
    virtualNumber = phone.e164;
  }
  if (body.expiresAt !== undefined && body.ttl !== undefined) return bad('ttl', 'give expiresAt or ttl, not both');
  let expiresAt: number | undefined;
  if (body.expiresAt !== undefined) {
    const at = readTime(body.expiresAt, now);
    if (!at.ok) return at;
    expiresAt = at.value;
  } else if (body.ttl !== undefined) expiresAt = now + body.ttl * 1000;
  return {
    ok: true,
    value: {
      parties: [parties[0]!, parties[1]!],
      ...(virtualNumber ? { virtualNumber } : {}),
      ...(body.pool ? { pool: body.pool } : {}),
      ...(expiresAt === undefined ? {} : { expiresAt }),
      ...(body.idleTtl === undefined ? {} : { idleTtl: body.idleTtl }),
      ...(body.ref ? { ref: body.ref } : {}),
      ...(body.record === undefined ? {} : { record: body.record }),
      ...(body.subAccountId ? { subAccountId: body.subAccountId } : {}),
      ...(body.pin ? { pin: body.pin } : {}),
    },
  };
}

function patchInput(body: SessionPatch, now: number): Checked<PatchInput> {
  if (body.expiresAt !== undefined && body.ttl !== undefined) return bad('ttl', 'give expiresAt or ttl, not both');
  if (body.status === 'closed' && Object.keys(body).length > 1) return bad('status', 'closing takes no other change: send {"status": "closed"} alone');
  const patch: PatchInput = {};
  if (body.status === 'closed') patch.close = true;
  if (body.expiresAt === null) patch.expiresAt = null;
  else if (body.expiresAt !== undefined) {
    const at = readTime(body.expiresAt, now);
    if (!at.ok) return at;
    patch.expiresAt = at.value;
  }
  if (body.ttl !== undefined) patch.expiresAt = now + body.ttl * 1000;
  if (body.idleTtl !== undefined) patch.idleTtl = body.idleTtl;
  if (body.record !== undefined) patch.record = body.record;
  return { ok: true, value: patch };
}

function readTime(text: string, now: number): Checked<number> {
  const at = parseIsoWithZone(text);
  if (at === undefined) return bad('expiresAt', `"${text}" is not a date and time with a time zone: write it like 2026-12-31T23:59:00+08:00 (or end with Z for UTC)`);
  if (at <= now) return bad('expiresAt', `${text} is in the past: give a time in the future, or use ttl (seconds from now)`);
  return { ok: true, value: at };
}

function cursorOf(createdAt: number, id: string): string {
  return Buffer.from(`${createdAt}:${id}`).toString('base64url');
}

function readCursor(cursor: string): { createdAt: number; id: string } | undefined {
  const m = /^(\d+):(ses_[0-9a-f]+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  return m ? { createdAt: Number(m[1]), id: m[2]! } : undefined;
}

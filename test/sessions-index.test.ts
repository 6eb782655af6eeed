import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CallTable, numberKey } from '../src/sessions/call-table.js';
import type { Session } from '../src/sessions/session.js';
import { SessionIndex } from '../src/sessions/session-index.js';

const VN = '+6568332049';
const VN2 = '+6568332050';
const A = '+6591110001';
const B = '+6581234567';
const C = '+6561234567';
const T = 1_000_000;

const session = (id: string, parties: [string, string], over: Partial<Session> = {}): Session => ({
  id,
  status: 'open',
  virtualNumber: VN,
  parties,
  lastActivityAt: T,
  createdAt: T,
  ...over,
});

describe('numberKey', () => {
  it.each([
    ['+6591110001', 6591110001],
    ['+1', 1],
    ['+999999999999999', 999_999_999_999_999],
    ['6591110001', -1],
    ['+', -1],
    ['+065911', -1],
    ['+65 9111 0001', -1],
    ['+6591110001x', -1],
    ['+1234567890123456', -1],
    ['vn-ref-9', -1],
  ])('%s → %d', (text, key) => {
    expect(numberKey(text)).toBe(key);
  });
});

describe('the session index answers calls', () => {
  const index = new SessionIndex();
  index.add(session('s1', [A, B]));
  index.add(session('s2', [A, C], { virtualNumber: VN2, record: true }));
  index.add(session('s3', ['+6591110003', '+6591110004'], { expiresAt: T + 1000 }));
  index.add(session('s4', ['+6591110005', '+6591110006'], { idleTtl: 60, record: false }));
  // Not "+digits": never from the API, but a hand-written test may write one.
  index.add(session('s5', ['caller-x', '+6591110007'], { virtualNumber: 'vn-ref-9' }));

  it.each([
    ['A on VN reaches B', A, VN, T, { sessionId: 's1', peer: B }],
    ['B on VN reaches A', B, VN, T, { sessionId: 's1', peer: A }],
    ['A on VN2 reaches C, recorded', A, VN2, T, { sessionId: 's2', peer: C, record: true }],
    ['C on VN reaches nobody (their session is on VN2)', C, VN, T, undefined],
    ['a stranger reaches nobody', '+6591119999', VN, T, undefined],
    ['before its end a session routes', '+6591110003', VN, T + 999, { sessionId: 's3', peer: '+6591110004' }],
    ['at its end it does not', '+6591110003', VN, T + 1000, undefined],
    ['idle: within the idle time it routes', '+6591110006', VN, T + 59_999, { sessionId: 's4', peer: '+6591110005', record: false }],
    ['idle: after it, it does not', '+6591110006', VN, T + 60_000, undefined],
    ['odd numbers are answered too', 'caller-x', 'vn-ref-9', T, { sessionId: 's5', peer: '+6591110007' }],
    ['and the other way', '+6591110007', 'vn-ref-9', T, { sessionId: 's5', peer: 'caller-x' }],
  ])('%s', (_name, caller, vn, at, expected) => {
    expect(index.otherParty(caller, vn, at)).toEqual(expected);
  });

  it('onNumber finds the session, also past its end until it is swept', () => {
    expect(index.onNumber('+6591110003', VN)?.id).toBe('s3');
    expect(index.onNumber(C, VN2)?.id).toBe('s2');
    expect(index.onNumber(C, VN)).toBeUndefined();
    expect(index.size).toBe(5);
  });
});

describe('the session index follows changes', () => {
  it('an extension in place routes once refreshed; an idle slide too', () => {
    const index = new SessionIndex();
    const s = session('s1', [A, B], { expiresAt: T + 1000 });
    index.add(s);
    s.expiresAt = T + 60_000;
    index.refresh(s);
    expect(index.otherParty(A, VN, T + 2000)?.peer).toBe(B);
    s.idleTtl = 10;
    s.lastActivityAt = T + 3000;
    index.refresh(s);
    expect(index.otherParty(B, VN, T + 12_999)?.peer).toBe(A);
    expect(index.otherParty(B, VN, T + 13_000)).toBeUndefined();
  });

  it('a removed session stops routing, leaves the others, and its party may open a new one on the number', () => {
    const index = new SessionIndex();
    const s1 = session('s1', [A, B]);
    index.add(s1);
    index.add(session('s2', [C, '+6591110009']));
    index.remove(s1, T + 5);
    expect(index.otherParty(A, VN, T)).toBeUndefined();
    expect(index.otherParty(B, VN, T)).toBeUndefined();
    expect(index.otherParty(C, VN, T)?.sessionId).toBe('s2');
    expect(index.lastEnded(A, VN)).toBe(T + 5);
    index.add(session('s3', [A, C], { virtualNumber: VN2 }));
    index.add(session('s4', [A, '+6591110010']));
    expect(index.otherParty(A, VN, T)).toEqual({ sessionId: 's4', peer: '+6591110010' });
    expect(index.size).toBe(3);
  });

  it('forgets cool-off marks older than asked, keeps newer ones, and a mark made again later outlives its first', () => {
    const index = new SessionIndex();
    index.noteEnded(A, VN, T + 1);
    index.noteEnded(B, VN, T + 2);
    index.noteEnded(C, VN, T + 3);
    // A ends again there later: that mark counts, the first is stale.
    index.noteEnded(A, VN, T + 10);
    // Noted out of order (a catch-up), and older than what is already marked: ignored.
    index.noteEnded(C, VN, T + 1);
    index.forgetEndedBefore(T + 3);
    expect([A, B, C].map((p) => index.lastEnded(p, VN))).toEqual([T + 10, undefined, T + 3]);
    index.forgetEndedBefore(T + 4);
    expect([A, B, C].map((p) => index.lastEnded(p, VN))).toEqual([T + 10, undefined, undefined]);
    index.forgetEndedBefore(T + 11);
    expect([A, B, C].map((p) => index.lastEnded(p, VN))).toEqual([undefined, undefined, undefined]);
    // Many marks over time: each sweep forgets exactly those past, however many came before.
    for (let i = 0; i < 5000; i++) index.noteEnded(`+6591${String(200_000 + i)}`, VN2, T + 100 + i);
    index.forgetEndedBefore(T + 100 + 4000);
    expect(index.lastEnded('+6591203999', VN2)).toBeUndefined();
    expect(index.lastEnded('+6591204000', VN2)).toBe(T + 4100);
  });

  it('a session removed twice, or a stale copy removed, takes nothing else out', () => {
    const index = new SessionIndex();
    const s1 = session('s1', [A, B]);
    index.add(s1);
    index.remove({ ...s1 }, T);
    expect(index.otherParty(A, VN, T)?.sessionId).toBe('s1');
    index.remove(s1, T);
    index.remove(s1, T);
    expect(index.size).toBe(0);
  });
});

describe('the call table', () => {
  it('answers like a Map through any sequence of puts and deletes (collisions, shifts back, growing and shrinking)', () => {
    const key = fc.tuple(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 3 }));
    const op = fc.oneof(fc.record({ put: key, value: fc.integer({ min: 0, max: 1000 }) }), fc.record({ del: key }));
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const table = new CallTable(16);
        const model = new Map<string, number>();
        // Real-looking numbers, close together as pools are.
        const k = ([p, n]: [number, number]) => [6591110000 + p, 6568332000 + n] as const;
        for (const o of ops) {
          if ('put' in o) {
            const [p, n] = k(o.put);
            table.put(p, n, 1, Number.POSITIVE_INFINITY, o.value, 0);
            model.set(`${p}/${n}`, o.value);
          } else {
            const [p, n] = k(o.del);
            expect(table.delete(p, n)).toBe(model.delete(`${p}/${n}`));
          }
          expect(table.size).toBe(model.size);
        }
        for (let p = 1; p <= 40; p++)
          for (let n = 1; n <= 3; n++) {
            const [pk, nk] = k([p, n]);
            const at = table.find(pk, nk);
            expect(at < 0 ? undefined : table.row(at)).toBe(model.get(`${pk}/${nk}`));
          }
      }),
      { numRuns: 300 },
    );
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CallRecord } from '../src/store/call-store.js';
import { SqliteCallStore } from '../src/store/sqlite-call-store.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 7, 11, 9, 0, 0);

let dir = '';
let store: SqliteCallStore;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'call-store-queries-'));
  store = new SqliteCallStore(join(dir, 'calls.sqlite'));
});

afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function action(n: number, at: number, source: string, outcome: 'matched' | 'fallback'): CallRecord {
  return {
    kind: 'call-action',
    sessionId: `s-${n}`,
    callId: `c-${n}`,
    dedupeKey: `e-${n}`,
    ruleId: outcome === 'matched' ? 'sg-support' : 'fallback',
    rulesVersion: 'v1',
    status: null,
    at,
    eventText: JSON.stringify({ source, destination: '+6568332048', sessionId: `s-${n}` }),
    responseText: JSON.stringify({ clientActionId: 'x', callflow: [{ action: 'hangup' }] }),
    decision: { outcome, ...(outcome === 'fallback' ? { reason: 'no-match' } : {}) },
    source,
    destination: '+6568332048',
  };
}

describe('decision-log queries', () => {
  it('hourly counts call actions and fallbacks per hour, oldest first', () => {
    store.write([
      action(1, T0 + 1000, '+6581234567', 'matched'),
      action(2, T0 + 2000, '+6581234567', 'fallback'),
      action(3, T0 + HOUR + 5, '+6591110001', 'matched'),
      { ...action(4, T0 + HOUR + 6, '+6591110001', 'matched'), kind: 'call-status', dedupeKey: 'st-4', status: 'COMPLETED' },
      action(5, T0 - 5 * HOUR, '+6581234567', 'matched'),
    ]);
    expect(store.hourly(T0)).toEqual([
      { hour: T0, calls: 2, fallbacks: 1 },
      { hour: T0 + HOUR, calls: 1, fallbacks: 0 },
    ]);
  });

  it('recent is newest first, limited, and searches session, call, source and destination exactly', () => {
    store.write([action(1, T0, '+6581234567', 'matched'), action(2, T0 + 1, '+6591110001', 'fallback'), action(3, T0 + 2, '+6581234567', 'matched')]);
    expect(store.recent({ limit: 2 }).map((r) => r.sessionId)).toEqual(['s-3', 's-2']);
    expect(store.recent({ limit: 10, search: '+6581234567' }).map((r) => r.sessionId)).toEqual(['s-3', 's-1']);
    expect(store.recent({ limit: 10, search: 's-2' }).map((r) => r.sessionId)).toEqual(['s-2']);
    expect(store.recent({ limit: 10, search: 'c-1' }).map((r) => r.sessionId)).toEqual(['s-1']);
    expect(store.recent({ limit: 10, search: '+6568332048' })).toHaveLength(3);
    expect(store.recent({ limit: 10, search: '+658123' })).toEqual([]);
    const [fallback] = store.recent({ limit: 10, search: 's-2' });
    expect(fallback).toMatchObject({ source: '+6591110001', destination: '+6568332048', decision: { outcome: 'fallback', reason: 'no-match' } });
    expect(JSON.parse(fallback!.responseText!)).toEqual({ clientActionId: 'x', callflow: [{ action: 'hangup' }] });
    expect(JSON.parse(fallback!.eventText!).sessionId).toBe('s-2');
  });

  it('ruleHits counts call actions per rule since a time, with the last one', () => {
    store.write([action(1, T0, '+6581234567', 'matched'), action(2, T0 + 5, '+6581234567', 'matched'), action(3, T0 + 9, '+6581234567', 'fallback'), action(4, T0 - HOUR, '+6581234567', 'matched')]);
    expect(store.ruleHits(T0).sort((a, b) => a.ruleId.localeCompare(b.ruleId))).toEqual([
      { ruleId: 'fallback', hits: 1, lastAt: T0 + 9 },
      { ruleId: 'sg-support', hits: 2, lastAt: T0 + 5 },
    ]);
  });
});

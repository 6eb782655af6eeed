import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { Session } from '../src/sessions/session.js';
import { SCHEMA_VERSION, SessionStore } from '../src/sessions/session-store.js';
import { Sessions } from '../src/sessions/sessions-service.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const fileIn = () => {
  const dir = mkdtempSync(join(tmpdir(), 'sessions-store-'));
  dirs.push(dir);
  return join(dir, 'nested', 'sessions.sqlite');
};

describe('the sessions file', () => {
  it('is created on first open (folder too), in WAL mode, at the current schema version; opening it again changes nothing', () => {
    const path = fileIn();
    new SessionStore(path).close();
    new SessionStore(path).close();
    const db = new Database(path, { readonly: true });
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      db.close();
    }
  });

  it('written by a newer version, it is refused with a message saying what to do', () => {
    const path = fileIn();
    new SessionStore(path).close();
    const db = new Database(path);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => new SessionStore(path)).toThrow(/newer version .* point SESSIONS_DB at another file/);
  });
});

const session = (id: string, a: string, b: string, over: Partial<Session> = {}): Session => ({
  id,
  status: 'open',
  virtualNumber: '+6568332049',
  parties: [a, b],
  lastActivityAt: 1,
  createdAt: 1,
  ...over,
});

describe('the change sequence', () => {
  it('numbers every write in commit order, keeps the number on closed rows, and hands out the rows after a given one', () => {
    const store = new SessionStore(fileIn());
    try {
      expect(store.lastSeq()).toBe(0);
      store.insert(session('s1', '+6591110001', '+6592220001'));
      store.insert(session('s2', '+6591110002', '+6592220002'));
      store.update({ ...session('s1', '+6591110001', '+6592220001'), status: 'closed', closedAt: 5 });
      expect(store.lastSeq()).toBe(3);
      expect(store.changesSince(0, 10).map((c) => [c.seq, c.session.id, c.session.status])).toEqual([
        [2, 's2', 'open'],
        [3, 's1', 'closed'],
      ]);
      expect(store.changesSince(2, 10).map((c) => c.session.id)).toEqual(['s1']);
      expect(store.changesSince(3, 10)).toEqual([]);
      expect(store.changesSince(0, 1).map((c) => c.seq)).toEqual([2]);
    } finally {
      store.close();
    }
  });

  it('a call through a session is not a change: it only slides the idle expiry of the server that answered it', () => {
    const store = new SessionStore(fileIn());
    try {
      const s = session('s1', '+6591110001', '+6592220001', { idleTtl: 60 });
      store.insert(s);
      store.recordCall({ ...s, lastActivityAt: 10 }, { at: 10, callId: 'c1', caller: '+6591110001', callee: '+6592220001', ruleId: 'r' });
      expect(store.lastSeq()).toBe(1);
    } finally {
      store.close();
    }
  });

  it('never hands out a number twice, also after the newest rows are pruned', () => {
    const store = new SessionStore(fileIn());
    try {
      store.insert(session('s1', '+6591110001', '+6592220001'));
      store.update({ ...session('s1', '+6591110001', '+6592220001'), status: 'closed', closedAt: 5 });
      expect(store.prune(10)).toBe(1);
      store.insert(session('s2', '+6591110002', '+6592220002'));
      expect(store.changesSince(2, 10).map((c) => [c.seq, c.session.id])).toEqual([[3, 's2']]);
    } finally {
      store.close();
    }
  });

  it('a file from before the sequence is migrated: its rows get numbers, new writes come after them', () => {
    const path = fileIn();
    mkdirSync(dirname(path), { recursive: true });
    const old = new Database(path);
    old.exec(`CREATE TABLE sessions (id TEXT PRIMARY KEY, status TEXT NOT NULL CHECK (status IN ('open', 'closed', 'expired')), virtual_number TEXT NOT NULL, pool TEXT, party_a TEXT NOT NULL, party_b TEXT NOT NULL, expires_at INTEGER, idle_ttl INTEGER, last_activity_at INTEGER NOT NULL, ends_at INTEGER, ref TEXT, record INTEGER, sub_account_id TEXT, pin TEXT, created_at INTEGER NOT NULL, closed_at INTEGER, request_hash TEXT);
      CREATE TABLE session_parties (session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE, party TEXT NOT NULL, virtual_number TEXT NOT NULL, open INTEGER NOT NULL DEFAULT 1, PRIMARY KEY (session_id, party));
      CREATE UNIQUE INDEX session_parties_open ON session_parties (party, virtual_number) WHERE open = 1;
      CREATE TABLE session_calls (session_id TEXT NOT NULL, at INTEGER NOT NULL, call_id TEXT NOT NULL, caller TEXT NOT NULL, callee TEXT NOT NULL, rule_id TEXT NOT NULL);
      INSERT INTO sessions (id, status, virtual_number, party_a, party_b, last_activity_at, created_at) VALUES ('old1', 'open', '+6568332049', '+6591110001', '+6592220001', 1, 1), ('old2', 'open', '+6568332049', '+6591110002', '+6592220002', 2, 2);
      PRAGMA user_version = 1;`);
    old.close();
    const store = new SessionStore(path);
    try {
      expect(store.changesSince(0, 10).map((c) => c.session.id)).toEqual(['old1', 'old2']);
      store.insert(session('new', '+6591110003', '+6592220003'));
      expect(store.changesSince(store.lastSeq() - 1, 10).map((c) => c.session.id)).toEqual(['new']);
      expect(store.lastSeq()).toBe(3);
    } finally {
      store.close();
    }
  });
});

describe('checkpoints', () => {
  it('copy committed sessions from the log into the file itself, on a thread beside the writer, without any commit doing it', async () => {
    const path = fileIn();
    const sessions = new Sessions({ path, pools: () => undefined });
    try {
      const created = await Promise.all(Array.from({ length: 20 }, (_, i) => sessions.create({ parties: [`+659111${String(1000 + i)}`, `+659222${String(1000 + i)}`], virtualNumber: '+6568332049' })));
      expect(created.every((r) => r.ok)).toBe(true);
      // The main file without its log: it holds the sessions only once a checkpoint copied them there.
      const inFile = async () => {
        const copy = join(dirname(path), 'copy.sqlite');
        copyFileSync(path, copy);
        const db = new Database(copy, { readonly: true });
        try {
          const tables = db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'sessions'").pluck().get() as number;
          return tables === 0 ? 0 : (db.prepare('SELECT count(*) FROM sessions').pluck().get() as number);
        } catch (e) {
          // Copied while the checkpoint was writing pages: a torn copy, not yet the file's final state.
          if (['SQLITE_CORRUPT', 'SQLITE_NOTADB'].includes((e as { code?: string }).code ?? '')) return -1;
          throw e;
        } finally {
          db.close();
          rmSync(copy, { force: true });
        }
      };
      const deadline = Date.now() + 10_000;
      while ((await inFile()) < 20 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(await inFile()).toBe(20);
    } finally {
      await sessions.close();
    }
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { SCHEMA_VERSION, SessionStore } from '../src/sessions/session-store.js';

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

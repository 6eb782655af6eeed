import type { Migrations } from '../postgres/migrate.js';

/**
 * The sessions tables in PostgreSQL: the same rules as the SQLite file (session-store.ts), held
 * by partial UNIQUE indexes so that two routers can never cross sessions. Step 2: `txn` is the
 * transaction that last wrote the row (a trigger keeps it so on every update, whoever writes), and
 * each router catches up by transaction snapshots (postgres-catch-up.ts), so writers no longer
 * take turns. `seq` is still bumped for routers of the version before (they catch up by it).
 * Never edit a step that has shipped: add one.
 */
export const SESSIONS_MIGRATIONS: Migrations = {
  component: 'sessions',
  steps: [
    `CREATE SEQUENCE sessions_seq;
     CREATE TABLE sessions (
       id TEXT PRIMARY KEY,
       status TEXT NOT NULL CHECK (status IN ('open', 'closed', 'expired')),
       virtual_number TEXT NOT NULL,
       pool TEXT,
       party_a TEXT NOT NULL,
       party_b TEXT NOT NULL,
       expires_at BIGINT,
       idle_ttl INTEGER,
       last_activity_at BIGINT NOT NULL,
       ends_at BIGINT,
       ref TEXT,
       record BOOLEAN,
       sub_account_id TEXT,
       pin TEXT,
       created_at BIGINT NOT NULL,
       closed_at BIGINT,
       request_hash TEXT,
       seq BIGINT NOT NULL DEFAULT nextval('sessions_seq')
     );
     CREATE UNIQUE INDEX sessions_open_ref ON sessions (ref) WHERE status = 'open' AND ref IS NOT NULL;
     CREATE UNIQUE INDEX sessions_open_pin ON sessions (virtual_number, pin) WHERE status = 'open' AND pin IS NOT NULL;
     CREATE INDEX sessions_open_ends ON sessions (ends_at) WHERE status = 'open';
     CREATE INDEX sessions_created ON sessions (created_at, id);
     CREATE INDEX sessions_closed ON sessions (closed_at) WHERE status <> 'open';
     CREATE INDEX sessions_seq_order ON sessions (seq);
     CREATE TABLE session_parties (
       session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
       party TEXT NOT NULL,
       virtual_number TEXT NOT NULL,
       open BOOLEAN NOT NULL DEFAULT true,
       PRIMARY KEY (session_id, party)
     );
     CREATE UNIQUE INDEX session_parties_open ON session_parties (party, virtual_number) WHERE open;
     CREATE INDEX session_parties_party ON session_parties (party);
     CREATE TABLE session_calls (
       n BIGSERIAL PRIMARY KEY,
       session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
       at BIGINT NOT NULL,
       call_id TEXT NOT NULL,
       caller TEXT NOT NULL,
       callee TEXT NOT NULL,
       rule_id TEXT NOT NULL
     );
     CREATE INDEX session_calls_session ON session_calls (session_id, at, n);`,
    `ALTER TABLE sessions ADD COLUMN txn xid8 NOT NULL DEFAULT pg_current_xact_id();
     CREATE INDEX sessions_txn ON sessions (txn, id);
     CREATE FUNCTION sessions_touch() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       NEW.txn := pg_current_xact_id();
       RETURN NEW;
     END $$;
     CREATE TRIGGER sessions_touch BEFORE UPDATE ON sessions FOR EACH ROW EXECUTE FUNCTION sessions_touch();`,
    // Step 3: an index for each filter of GET /sessions in the page's order (list-query.ts), as in
    // the SQLite file. A router of the version before, still running during an upgrade, writes
    // party rows without created_at: the trigger fills it in from the session.
    `ALTER TABLE session_parties ADD COLUMN created_at BIGINT;
     UPDATE session_parties AS p SET created_at = s.created_at FROM sessions AS s WHERE s.id = p.session_id;
     DROP INDEX IF EXISTS session_parties_party;
     CREATE INDEX session_parties_party ON session_parties (party, created_at, session_id);
     CREATE INDEX sessions_virtual_number ON sessions (virtual_number, created_at, id);
     CREATE INDEX sessions_ref ON sessions (ref, created_at, id) WHERE ref IS NOT NULL;
     CREATE INDEX sessions_status ON sessions (status, created_at, id);
     CREATE FUNCTION session_parties_created() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       IF NEW.created_at IS NULL THEN
         NEW.created_at := (SELECT created_at FROM sessions WHERE id = NEW.session_id);
       END IF;
       RETURN NEW;
     END $$;
     CREATE TRIGGER session_parties_created BEFORE INSERT ON session_parties FOR EACH ROW EXECUTE FUNCTION session_parties_created();`,
    // Step 4: an ended session's party rows carry its status, so that a party's closed (or
    // expired) sessions come from their own index (ended rows only: a create writes no more than
    // before), as in the SQLite file. The session row stays the one truth: a trigger copies each
    // end to its party rows, whoever writes it (a router of the version before, during an upgrade).
    // It takes `sessions` first, as every write does (sessions, then party rows): a router of the
    // version before writing meanwhile waits instead of deadlocking with the migration.
    `LOCK TABLE sessions IN SHARE ROW EXCLUSIVE MODE;
     ALTER TABLE session_parties ADD COLUMN status TEXT;
     UPDATE session_parties AS p SET open = false, status = s.status FROM sessions AS s WHERE s.id = p.session_id AND s.status <> 'open';
     CREATE INDEX session_parties_ended ON session_parties (party, status, created_at, session_id) WHERE NOT open;
     CREATE FUNCTION sessions_status_to_parties() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       UPDATE session_parties SET status = NEW.status, open = false WHERE session_id = NEW.id;
       RETURN NULL;
     END $$;
     CREATE TRIGGER sessions_status_to_parties AFTER UPDATE OF status ON sessions FOR EACH ROW
       WHEN (OLD.status IS DISTINCT FROM NEW.status AND NEW.status <> 'open') EXECUTE FUNCTION sessions_status_to_parties();`,
  ],
};

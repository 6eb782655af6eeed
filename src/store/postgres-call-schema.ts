import type { Migrations } from '../postgres/migrate.js';

/**
 * The decision log's tables in PostgreSQL (component 'decision-log'). Never edit a step that has
 * shipped: add one. Every lookup the router makes has its index: a session's story (session_id),
 * search by call id or number (each with id, so "newest first" walks the index), the dedupe on
 * insert, and `at` for retention (BRIN: rows arrive in time order, so it costs next to nothing to
 * keep up on every insert). Times are epoch milliseconds, as in the SQLite log.
 */
export const DECISION_LOG_MIGRATIONS: Migrations = {
  component: 'decision-log',
  steps: [
    `
CREATE TABLE call_log (
  id BIGSERIAL PRIMARY KEY,
  at BIGINT NOT NULL,
  kind TEXT NOT NULL,
  session_id TEXT NOT NULL,
  call_id TEXT,
  dedupe_key TEXT,
  rule_id TEXT,
  rules_version TEXT,
  status TEXT,
  outcome TEXT,
  reason TEXT,
  detail TEXT,
  source TEXT,
  destination TEXT,
  event_text TEXT NOT NULL,
  response_text TEXT
);
CREATE INDEX call_log_session ON call_log (session_id, id);
CREATE INDEX call_log_call ON call_log (call_id, id) WHERE call_id IS NOT NULL;
CREATE INDEX call_log_source ON call_log (source, id) WHERE source IS NOT NULL;
CREATE INDEX call_log_destination ON call_log (destination, id) WHERE destination IS NOT NULL;
CREATE INDEX call_log_at ON call_log USING brin (at);
CREATE UNIQUE INDEX call_log_dedupe ON call_log (kind, dedupe_key) WHERE dedupe_key IS NOT NULL;
CREATE TABLE call_hours (hour BIGINT PRIMARY KEY, calls BIGINT NOT NULL, fallbacks BIGINT NOT NULL);
CREATE TABLE rule_hours (hour BIGINT NOT NULL, rule_id TEXT NOT NULL, hits BIGINT NOT NULL, last_at BIGINT NOT NULL, PRIMARY KEY (hour, rule_id));
-- The first answer any router gave to a call action, keyed on the event as received.
CREATE TABLE call_answers (event_id TEXT NOT NULL, event_hash TEXT NOT NULL, answer_text TEXT NOT NULL, at BIGINT NOT NULL, PRIMARY KEY (event_id, event_hash));
CREATE INDEX call_answers_at ON call_answers USING brin (at);
-- Call-status eventIds and session-summary sessionIds already counted by some router.
CREATE TABLE seen_events (key TEXT PRIMARY KEY, at BIGINT NOT NULL);
CREATE INDEX seen_events_at ON seen_events USING brin (at);
`,
  ],
};

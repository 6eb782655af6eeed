import type { CallRecord } from './call-store.js';

/**
 * A row of the decision log as either engine hands it back: SQLite gives integers, PostgreSQL
 * gives BIGINT as text (pg keeps 64 bits exact). Epoch milliseconds fit a number.
 */
export interface CallRow {
  id: number | string;
  at: number | string;
  kind: CallRecord['kind'];
  session_id: string;
  call_id: string | null;
  dedupe_key: string | null;
  rule_id: string | null;
  rules_version: string | null;
  status: string | null;
  outcome: 'matched' | 'fallback' | null;
  reason: string | null;
  detail: string | null;
  source: string | null;
  destination: string | null;
  event_text: string;
  response_text: string | null;
}

export function callFromRow(row: CallRow): CallRecord {
  const record: CallRecord = {
    kind: row.kind,
    sessionId: row.session_id,
    callId: row.call_id,
    dedupeKey: row.dedupe_key,
    ruleId: row.rule_id,
    rulesVersion: row.rules_version,
    status: row.status,
    at: Number(row.at),
    eventText: row.event_text,
  };
  if (row.response_text !== null) record.responseText = row.response_text;
  if (row.outcome !== null) record.decision = { outcome: row.outcome, ...(row.reason !== null ? { reason: row.reason } : {}), ...(row.detail !== null ? { detail: row.detail } : {}) };
  if (row.source !== null) record.source = row.source;
  if (row.destination !== null) record.destination = row.destination;
  return record;
}

/** What happened on a call, as one row of the decision log: compact text, not re-serialised objects. */
export interface CallRecord {
  kind: 'call-action' | 'call-status' | 'session-summary';
  sessionId: string;
  callId: string | null;
  /** Duplicate deliveries have the same key (eventId; sessionId for summaries) and are stored once. */
  dedupeKey: string | null;
  ruleId: string | null;
  rulesVersion: string | null;
  /** callStatus or sessionStatus, normalised; null for call actions. */
  status: string | null;
  /** Milliseconds since the epoch when we received it. */
  at: number;
  /** The request body as received (or JSON of the payload when there was no body). */
  eventText: string;
  /** The callflow response body exactly as sent (call actions only). */
  responseText?: string;
  decision?: { outcome: 'matched' | 'fallback'; reason?: string; detail?: string };
  /** The call action's numbers, indexed for search by number. */
  source?: string;
  destination?: string;
}

export interface Retention {
  /** Rows older than this are deleted. */
  maxAgeMs: number;
  /** At most this many rows are kept, newest first. */
  maxRows: number;
  /** The file's pages in use stay under this many bytes; the oldest rows go first. */
  maxBytes: number;
}

/** What one `write` did with each record of its batch. */
export interface WriteReport {
  written: number;
  /** Already stored (a duplicate delivery): ignored. */
  duplicates: number;
  /** Records SQLite refused; the others of the batch are kept. */
  failed: number;
  /** The first refusal's reason, for the log. */
  firstError?: string;
}

/** How often one rule answered, and when it last did. */
export interface RuleHits {
  ruleId: string;
  hits: number;
  lastAt: number;
}

export interface HourCount {
  /** Epoch milliseconds at the start of the hour. */
  hour: number;
  calls: number;
  fallbacks: number;
}

/**
 * The most records of one session read at once: a session has a few calls, each a handful of
 * records; a flood of events under one sessionId (20,000 read whole took 292 ms and 21.9 MB)
 * must not stall the router or the console that reads it.
 */
export const STORY_RECORDS = 1000;

/**
 * The reads of a decision log, whichever engine holds it: Promise-returning, because PostgreSQL
 * answers over the network (SQLite resolves at once).
 */
export interface CallLogReads {
  /** A session's first `limit` records (STORY_RECORDS unless told), oldest first. */
  session(sessionId: string, limit?: number): Promise<CallRecord[]>;
  ruleForSession(sessionId: string): Promise<string | undefined>;
  /** The session's summary record (its outcome), if recorded: a story cut at STORY_RECORDS still tells how it ended. */
  sessionSummary(sessionId: string): Promise<CallRecord | undefined>;
  recent(options: { limit: number; search?: string }): Promise<CallRecord[]>;
  hourly(sinceMs: number): Promise<HourCount[]>;
  ruleHits?(sinceMs: number): Promise<RuleHits[]>;
  close(): void | Promise<void>;
}

/** A synchronous store's reads as CallLogReads. */
export function asyncReads(store: CallStore): CallLogReads {
  return {
    session: async (id, limit) => store.session(id, limit),
    ruleForSession: async (id) => store.ruleForSession(id),
    sessionSummary: async (id) => store.sessionSummary(id),
    recent: async (o) => store.recent(o),
    hourly: async (since) => store.hourly(since),
    ...(store.ruleHits ? { ruleHits: async (since: number) => store.ruleHits!(since) } : {}),
    close: () => store.close(),
  };
}

/** An SQLite decision log. Synchronous: the recorder calls writes off the answer path (a worker thread). */
export interface CallStore {
  write(records: readonly CallRecord[]): WriteReport;
  /** A session's first `limit` records (STORY_RECORDS unless told), oldest first. */
  session(sessionId: string, limit?: number): CallRecord[];
  /** The rule that answered the session's first call action, if recorded. */
  ruleForSession(sessionId: string): string | undefined;
  /** The session's latest summary record, if recorded. */
  sessionSummary(sessionId: string): CallRecord | undefined;
  /** Newest first; `search` matches sessionId, callId, source or destination exactly. */
  recent(options: { limit: number; search?: string }): CallRecord[];
  /** Call actions per hour since `sinceMs`, oldest first. */
  hourly(sinceMs: number): HourCount[];
  /** Call actions per rule since the start of the hour of `sinceMs`, and the last one's time (optional: the console scans recent() without it). */
  ruleHits?(sinceMs: number): RuleHits[];
  /** Deletes what retention no longer allows; returns the number of rows deleted. */
  prune(retention: Retention, now: number): number;
  close(): void;
}

/** Past these, a row keeps the head of the text and a marker (8x8 events are about 1 KiB). */
export const MAX_EVENT_TEXT = 16 * 1024;
export const MAX_RESPONSE_TEXT = 32 * 1024;

/** `text` cut to `max` characters with a marker saying how long it was. */
export function capText(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…[truncated: ${text.length} characters in all]`;
}

/** What a record costs in memory while it waits to be written, roughly. */
export function recordBytes(r: CallRecord): number {
  return 2 * (length(r.eventText) + length(r.responseText) + length(r.decision?.detail)) + 256;
}

function length(text: unknown): number {
  return typeof text === 'string' ? text.length : 0;
}

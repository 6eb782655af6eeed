/** What happened on a call, as one row of the decision log. */
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
  /** The event and, for call actions, the decision and callflow. */
  data: Record<string, unknown>;
  // The compact fields of the decision-log contract (CONTRACTS.md), filled by recent().
  eventText?: string;
  responseText?: string;
  decision?: { outcome: 'matched' | 'fallback'; reason?: string; detail?: string };
  source?: string;
  destination?: string;
}

/** How often one rule answered, and when it last did. */
export interface RuleHits {
  ruleId: string;
  hits: number;
  lastAt: number;
}

/** Call actions in one hour of the decision log (hour = epoch ms at its start). */
export interface HourCount {
  hour: number;
  calls: number;
  fallbacks: number;
}

export interface Retention {
  /** Rows older than this are deleted. */
  maxAgeMs: number;
  /** At most this many rows are kept, newest first. */
  maxRows: number;
}

/** Where the decision log lives. Synchronous: the recorder batches and calls it off the answer path. */
export interface CallStore {
  write(records: readonly CallRecord[]): void;
  /** A session's records, oldest first. */
  session(sessionId: string): CallRecord[];
  /** The rule that answered the session's first call action, if recorded. */
  ruleForSession(sessionId: string): string | undefined;
  /** Newest first; `search` matches sessionId, callId, source or destination exactly. */
  recent(options: { limit: number; search?: string }): CallRecord[];
  /** Call actions per hour since `sinceMs`, oldest first. */
  hourly(sinceMs: number): HourCount[];
  /** Call actions per rule since `sinceMs` and the last one's time (optional: the console scans recent() without it). */
  ruleHits?(sinceMs: number): RuleHits[];
  /** Deletes what retention no longer allows; returns the number of rows deleted. */
  prune(retention: Retention, now: number): number;
  close(): void;
}

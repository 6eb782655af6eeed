import { type CallRecord, STORY_RECORDS } from './call-store.js';

interface TimelineEntry {
  at: string;
  kind: CallRecord['kind'];
  callId: string | null;
  status: string | null;
  rule: string | null;
  rulesVersion: string | null;
  /** The event's payload as 8x8 sent it. */
  event?: unknown;
  /** The event text as stored when it is not JSON any more (cut past the size cap). */
  eventText?: string;
  decision?: CallRecord['decision'];
  /** The callflow answered (call actions). */
  callflow?: unknown;
  callflowText?: string;
}

export interface SessionStory {
  sessionId: string;
  /** The rule that answered the first call action ("fallback" when none matched). */
  rule: string | null;
  rulesVersion: string | null;
  /** sessionStatus from the session summary; null until 8x8 sends it. */
  outcome: string | null;
  calls: string[];
  timeline: TimelineEntry[];
  /** True when the session has more records than the timeline tells (the first STORY_RECORDS). */
  truncated: boolean;
}

/**
 * The records a story tells: the session's first STORY_RECORDS, and when it has more, its
 * summary too (recorded last, it says how the session ended), after them.
 */
export async function storyRecords(
  log: { session(sessionId: string, limit: number): Promise<CallRecord[]>; sessionSummary(sessionId: string): Promise<CallRecord | undefined> },
  sessionId: string,
): Promise<{ records: CallRecord[]; truncated: boolean }> {
  // One more than is told: the story says when it goes on.
  const read = await log.session(sessionId, STORY_RECORDS + 1);
  if (read.length <= STORY_RECORDS) return { records: read, truncated: false };
  const records = read.slice(0, STORY_RECORDS);
  const summary = records.some((r) => r.kind === 'session-summary') ? undefined : await log.sessionSummary(sessionId);
  return { records: summary ? [...records, summary] : records, truncated: true };
}

/** The decision-log rows of one session, told in order: event, rule, callflow, statuses, outcome. */
export function sessionStory(sessionId: string, records: readonly CallRecord[], truncated = false): SessionStory {
  const firstAction = records.find((r) => r.kind === 'call-action');
  const summary = records.find((r) => r.kind === 'session-summary');
  const calls = [...new Set(records.map((r) => r.callId).filter((id): id is string => id !== null))];
  return {
    sessionId,
    rule: firstAction?.ruleId ?? null,
    rulesVersion: firstAction?.rulesVersion ?? null,
    outcome: summary?.status ?? null,
    calls,
    timeline: records.map(timelineEntry),
    truncated,
  };
}

function timelineEntry(r: CallRecord): TimelineEntry {
  const entry: TimelineEntry = { at: new Date(r.at).toISOString(), kind: r.kind, callId: r.callId, status: r.status, rule: r.ruleId, rulesVersion: r.rulesVersion };
  const event = parseJson(r.eventText);
  if (event.ok) entry.event = isObject(event.value) && 'payload' in event.value ? event.value.payload : event.value;
  else entry.eventText = r.eventText;
  if (r.decision) entry.decision = r.decision;
  if (r.responseText !== undefined) {
    const callflow = parseJson(r.responseText);
    if (callflow.ok) entry.callflow = callflow.value;
    else entry.callflowText = r.responseText;
  }
  return entry;
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text.replace(/^\uFEFF/, '')) as unknown };
  } catch {
    return { ok: false };
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

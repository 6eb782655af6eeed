import type { CallRecord } from './call-store.js';

export interface SessionStory {
  sessionId: string;
  /** The rule that answered the first call action ("fallback" when none matched). */
  rule: string | null;
  rulesVersion: string | null;
  /** sessionStatus from the session summary; null until 8x8 sends it. */
  outcome: string | null;
  calls: string[];
  timeline: Array<{ at: string; kind: CallRecord['kind']; callId: string | null; status: string | null; rule: string | null; rulesVersion: string | null } & Record<string, unknown>>;
}

/** The decision-log rows of one session, told in order: event, rule, callflow, statuses, outcome. */
export function sessionStory(sessionId: string, records: readonly CallRecord[]): SessionStory {
  const firstAction = records.find((r) => r.kind === 'call-action');
  const summary = records.find((r) => r.kind === 'session-summary');
  const calls = [...new Set(records.map((r) => r.callId).filter((id): id is string => id !== null))];
  return {
    sessionId,
    rule: firstAction?.ruleId ?? null,
    rulesVersion: firstAction?.rulesVersion ?? null,
    outcome: summary?.status ?? null,
    calls,
    timeline: records.map((r) => ({
      at: new Date(r.at).toISOString(),
      kind: r.kind,
      callId: r.callId,
      status: r.status,
      rule: r.ruleId,
      rulesVersion: r.rulesVersion,
      ...r.data,
    })),
  };
}

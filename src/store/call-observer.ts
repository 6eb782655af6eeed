import type { Metrics } from '../metrics/metrics.js';
import { FALLBACK_ACTION_ID } from '../engine/decide.js';
import type { CallRecorder } from './call-recorder.js';
import { type CallRecord, capText, MAX_EVENT_TEXT, MAX_RESPONSE_TEXT } from './call-store.js';
import { normalizeStatus } from './normalize-status.js';
import { type SessionStory, sessionStory, storyRecords } from './session-story.js';
import type { CallActionPayload } from '../types/generated/call-action.js';
import type { CallStatusPayload } from '../types/generated/call-status.js';
import type { SessionSummaryPayload } from '../types/generated/session-summary.js';
import type { Logger } from '../log/logger.js';
import { ReplayCache } from './replay-cache.js';
import { throttledLog, within, type SharedEvents } from './shared-events.js';

/** How long a status or summary event waits for PostgreSQL to say whether another router has it. */
const SHARED_WAIT_MS = 1000;

/** One answered call action, as the routes hand it over for metrics and the decision log. */
export interface CallActionRecord {
  payload: CallActionPayload;
  /** The request body as received (JSON of the payload when the deadline passed before it arrived). */
  eventText: string;
  /** The callflow response body exactly as sent. */
  responseText: string;
  outcome: 'matched' | 'fallback';
  /** The matched rule, or null for the fallback. */
  ruleId: string | null;
  reason?: string;
  detail?: string;
  rulesVersion: string;
  seconds: number;
}

/** The rule label a session's outcome is counted under. */
const FALLBACK_RULE = FALLBACK_ACTION_ID;

/**
 * Everything that happens after an answer is decided: metrics, the decision log, duplicate
 * detection for status and summary events. Nothing here may throw into a route.
 */
export class CallObserver {
  /** eventIds (status) and sessionIds (summary) already seen: 8x8 may deliver twice. */
  private readonly seen = new ReplayCache<true>(50_000, 60 * 60_000);
  /** Which rule answered each live session, so its summary is counted under that rule. */
  private readonly sessionRules = new ReplayCache<string>(100_000, 24 * 60 * 60_000);
  private readonly sharedUnavailable: Logger;

  constructor(
    private readonly metrics: Metrics,
    private readonly log: Logger,
    private readonly recorder?: CallRecorder,
    /** Several routers on PostgreSQL: the first router to see a status or summary counts it. */
    private readonly shared?: SharedEvents,
  ) {
    this.sharedUnavailable = throttledLog(log);
  }

  callAction(r: CallActionRecord): void {
    this.guard('call-action', () => {
      this.metrics.observeCallAction(r.seconds);
      if (r.outcome === 'matched' && r.ruleId) this.metrics.recordMatch(r.ruleId);
      else this.metrics.recordFallback(r.reason ?? 'unknown');
      // A deadline can pass before the event has even arrived: counted above, but there is no session to file it under.
      if (!r.payload.sessionId) return;
      const rule = r.outcome === 'matched' && r.ruleId ? r.ruleId : FALLBACK_RULE;
      if (!this.sessionRules.get(r.payload.sessionId)) this.sessionRules.set(r.payload.sessionId, rule);
      this.record({
        kind: 'call-action',
        sessionId: r.payload.sessionId,
        callId: r.payload.callId,
        dedupeKey: r.payload.eventId,
        ruleId: rule,
        rulesVersion: r.rulesVersion,
        status: null,
        at: Date.now(),
        eventText: capText(r.eventText, MAX_EVENT_TEXT),
        responseText: capText(r.responseText, MAX_RESPONSE_TEXT),
        decision: decisionOf(r),
        source: r.payload.source,
        destination: r.payload.destination,
      });
    });
  }

  /** Resolves false for a duplicate delivery (here or on another router), which is neither counted nor stored again. */
  async callStatus(p: CallStatusPayload, eventText?: string): Promise<boolean> {
    if (!(await this.firstTime(`status:${p.eventId}`, 'call-status'))) return false;
    this.guard('call-status', () => {
      const status = normalizeStatus(p.callStatus);
      this.metrics.recordCallStatus(status);
      this.record({
        kind: 'call-status',
        sessionId: p.sessionId,
        callId: p.callId,
        dedupeKey: p.eventId,
        ruleId: null,
        rulesVersion: null,
        status,
        at: Date.now(),
        eventText: eventTextOf(p, eventText),
      });
    });
    return true;
  }

  /** Resolves false for a duplicate delivery (here or on another router), which is neither counted nor stored again. */
  async sessionSummary(p: SessionSummaryPayload, eventText?: string): Promise<boolean> {
    if (!(await this.firstTime(`summary:${p.sessionId}`, 'session-summary'))) return false;
    // Another router may have answered the session's call: its record is in the shared log.
    const rule = this.sessionRules.get(p.sessionId) ?? (await this.ruleFromLog(p.sessionId)) ?? 'unknown';
    this.guard('session-summary', () => {
      const outcome = normalizeStatus(p.sessionStatus);
      this.metrics.recordSessionOutcome(rule, outcome);
      this.record({
        kind: 'session-summary',
        sessionId: p.sessionId,
        callId: null,
        dedupeKey: p.sessionId,
        ruleId: rule,
        rulesVersion: null,
        status: outcome,
        at: Date.now(),
        eventText: eventTextOf(p, eventText),
      });
    });
    return true;
  }

  /**
   * A session's story from the decision log: undefined when nothing is recorded for it.
   * Throws when there is no decision log or it cannot be read.
   */
  async story(sessionId: string): Promise<SessionStory | undefined> {
    if (!this.recorder) throw new Error('the decision log is off (CALL_LOG=off)');
    const told = await storyRecords(this.recorder, sessionId);
    return told.records.length > 0 ? sessionStory(sessionId, told.records, told.truncated) : undefined;
  }

  get hasCallLog(): boolean {
    return this.recorder !== undefined;
  }

  /** Why the decision log cannot be read right now, or undefined when it can (or is off by config). */
  get callLogUnavailable(): string | undefined {
    return this.recorder?.state() === 'off' ? this.recorder.openError : undefined;
  }

  /** Seen here first, then (several routers) claimed in PostgreSQL; a database that does not answer in time leaves it to this router. */
  private async firstTime(key: string, what: 'call-status' | 'session-summary'): Promise<boolean> {
    if (this.seen.get(key)) return false;
    this.seen.set(key, true);
    if (!this.shared) return true;
    const claimed = await within(SHARED_WAIT_MS, this.shared.claimEvent(key));
    if (claimed.ok) return claimed.value;
    this.metrics.recordSharedStateUnavailable(what);
    this.sharedUnavailable({ level: 'warn', msg: 'shared-dedupe-unavailable', what, key, error: claimed.why, effect: 'counted by this router alone; another router may count it too' });
    return true;
  }

  private async ruleFromLog(sessionId: string): Promise<string | undefined> {
    if (!this.recorder) return undefined;
    const found = await within(SHARED_WAIT_MS, this.recorder.ruleForSession(sessionId));
    if (found.ok) return found.value;
    this.metrics.recordSharedStateUnavailable('session-rule');
    return undefined;
  }

  private record(r: CallRecord): void {
    this.recorder?.record(r);
  }

  private guard(what: string, f: () => void): void {
    try {
      f();
    } catch (e) {
      this.log({ level: 'error', msg: 'observe-failed', what, error: e instanceof Error ? e.message : String(e) });
    }
  }
}

/** The decision as stored: outcome, then reason and detail when there are any (one object, no spreads: this runs per call). */
function decisionOf(r: CallActionRecord): NonNullable<CallRecord['decision']> {
  const decision: NonNullable<CallRecord['decision']> = { outcome: r.outcome };
  if (r.reason) decision.reason = r.reason;
  if (r.detail) decision.detail = r.detail;
  return decision;
}

/** The body as received, capped; JSON of the payload when the route had no body text. */
function eventTextOf(payload: unknown, eventText: string | undefined): string {
  return capText(eventText ?? JSON.stringify({ payload }), MAX_EVENT_TEXT);
}

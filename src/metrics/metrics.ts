import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { FALLBACK_REASONS } from '../engine/decide.js';
import { CounterFamily, HistogramFamily, closedSet } from './exposition.js';

/** What the rule-set gauges read at scrape time (LiveRules.health() fits). */
export interface RulesInfo {
  health(): { version: string; rules: number };
}

/** Session outcomes 8x8 documents; anything else is counted as OTHER so labels stay bounded. */
const KNOWN_OUTCOMES: ReadonlySet<string> = new Set(['COMPLETED', 'NO_ANSWER', 'BUSY', 'CANCELED', 'FAILED', 'ERROR']);
/** callStatus values 8x8 documents for call status (and call action) events; others count as OTHER. */
const KNOWN_CALL_STATUSES: ReadonlySet<string> = new Set(['CALL_INITIATED', 'CALL_RECEIVED', 'CALL_CONNECTED', 'CALL_DISCONNECTED', 'CALL_UPDATED', 'DTMF_RECEIVED', 'ACTION_COMPLETED', ...KNOWN_OUTCOMES]);
/** Why the server turned a connection or request away before any route saw it. */
export const CONNECTION_EVENTS = ['connection-cap', 'request-timeout'] as const;

const PREFIX = 'callrouter_';
/** What routers share about repeated deliveries (PostgreSQL), for shared_state_unavailable_total. */
export const SHARED_STATE = ['answer', 'call-status', 'session-summary', 'session-rule'] as const;
const OTHER = 'OTHER';

/**
 * Every number an operator watches. The hot path only adds to plain numbers; the Prometheus text
 * is written at scrape time (prom-client still provides the process metrics). Every label comes
 * from a closed set, or from the rule ids of the loaded rule sets, so no caller can mint series.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly requests = new CounterFamily(`${PREFIX}http_requests_total`, 'HTTP requests by endpoint and status code', ['endpoint', 'status']);
  private readonly callActionSeconds = new HistogramFamily(
    `${PREFIX}call_action_duration_seconds`,
    'Time from receiving a call action to having its callflow',
    [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5],
  );
  private readonly matches = new CounterFamily(`${PREFIX}rule_matches_total`, 'Call actions answered by each rule', ['rule']);
  private readonly fallbacks = new CounterFamily(`${PREFIX}fallbacks_total`, 'Call actions answered with the fallback, by reason', ['reason']);
  private readonly reloads = new CounterFamily(`${PREFIX}rules_reloads_total`, 'Rule reloads by result (ok or failed)', ['result']);
  private readonly outcomes = new CounterFamily(`${PREFIX}session_outcomes_total`, 'Final session status from the session summary, by the rule that routed the call', ['rule', 'outcome']);
  private readonly statuses = new CounterFamily(`${PREFIX}call_status_events_total`, 'Call status events by callStatus', ['status']);
  private readonly storeErrors = new CounterFamily(`${PREFIX}call_log_errors_total`, 'Decision-log records that could not be written or read', []);
  private readonly storeDropped = new CounterFamily(`${PREFIX}call_log_dropped_total`, 'Decision-log records dropped because the store fell behind', []);
  private readonly storeLate = new CounterFamily(`${PREFIX}call_log_written_after_outage_total`, 'Decision-log records that waited for PostgreSQL and were written once it was back', []);
  private readonly sharedTimeouts = new CounterFamily(
    `${PREFIX}shared_state_unavailable_total`,
    'Times PostgreSQL did not answer in time about a repeated delivery, so this router decided alone (answer, status, summary, session-rule)',
    ['what'],
  );
  private readonly refused = new CounterFamily(`${PREFIX}connections_refused_total`, 'Connections or requests turned away before a route saw them: over the connection cap, or headers/body too slow', ['reason']);
  private readonly families = [
    this.requests,
    this.callActionSeconds,
    this.matches,
    this.fallbacks,
    this.reloads,
    this.outcomes,
    this.statuses,
    this.storeErrors,
    this.storeDropped,
    this.storeLate,
    this.sharedTimeouts,
    this.refused,
  ];
  private readonly fallbackReason = closedSet(FALLBACK_REASONS, 'other');
  private readonly refusedReason = closedSet(CONNECTION_EVENTS, 'other');

  constructor(rules?: RulesInfo) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: PREFIX });
    if (rules) {
      new Gauge({
        name: `${PREFIX}rules_version_info`,
        help: 'The rule set version answering calls (value is always 1)',
        labelNames: ['version'],
        registers,
        collect() {
          this.reset();
          this.set({ version: rules.health().version }, 1);
        },
      });
      new Gauge({
        name: `${PREFIX}rules_count`,
        help: 'Rules in the rule set answering calls',
        registers,
        collect() {
          this.set(rules.health().rules);
        },
      });
    }
    // Zero-valued series exist from the start, so rate() and alerts work before the first event.
    for (const result of ['ok', 'failed']) this.reloads.add([result], 0);
    for (const reason of FALLBACK_REASONS) this.fallbacks.add([reason], 0);
    for (const reason of CONNECTION_EVENTS) this.refused.add([reason], 0);
    this.storeErrors.add([], 0);
    this.storeDropped.add([], 0);
    this.storeLate.add([], 0);
    for (const what of SHARED_STATE) this.sharedTimeouts.add([what], 0);
  }

  /** A gauge read at scrape time: 1 while the sessions store takes writes, 0 while it is degraded (PostgreSQL down). */
  trackSessionsStore(health: () => { state: 'ok' | 'degraded' }): void {
    new Gauge({
      name: `${PREFIX}sessions_store_up`,
      help: 'Whether the sessions store takes writes (1) or is degraded (0): calls still route from memory, the sessions API answers 503',
      registers: [this.registry],
      collect() {
        this.set(health().state === 'ok' ? 1 : 0);
      },
    });
  }

  /** `endpoint` must come from a fixed list (request-log.ts endpointOf). */
  recordRequest(endpoint: string, status: number): void {
    this.requests.add([endpoint, statusLabel(status)], 1);
  }

  observeCallAction(seconds: number): void {
    this.callActionSeconds.observe(seconds);
  }

  /** Rule ids come from the loaded rule set, so they are bounded by it. */
  recordMatch(ruleId: string): void {
    this.matches.add([ruleId], 1);
  }

  /** Call actions answered by each rule since the server started. */
  async ruleMatches(): Promise<Map<string, number>> {
    return new Map(this.matches.values().map(({ labels, value }) => [labels[0]!, value]));
  }

  recordFallback(reason: string): void {
    this.fallbacks.add([this.fallbackReason(reason)], 1);
  }

  /** For the rule reloader: call once per reload attempt. */
  recordReload(ok: boolean): void {
    this.reloads.add([ok ? 'ok' : 'failed'], 1);
  }

  recordCallStatus(status: string): void {
    this.statuses.add([KNOWN_CALL_STATUSES.has(status) ? status : OTHER], 1);
  }

  recordSessionOutcome(ruleId: string, outcome: string): void {
    this.outcomes.add([ruleId, KNOWN_OUTCOMES.has(outcome) ? outcome : OTHER], 1);
  }

  recordStoreError(count = 1): void {
    this.storeErrors.add([], count);
  }

  recordStoreDropped(count = 1): void {
    this.storeDropped.add([], count);
  }

  recordStoreWrittenAfterOutage(count: number): void {
    this.storeLate.add([], count);
  }

  /** PostgreSQL did not answer in time about a repeated delivery: decided by this router alone. */
  recordSharedStateUnavailable(what: (typeof SHARED_STATE)[number]): void {
    this.sharedTimeouts.add([what], 1);
  }

  /**
   * The decision log's state at scrape time: callrouter_call_log_degraded (1 while records wait,
   * were dropped, or the log is not open) and callrouter_call_log_waiting_records.
   */
  watchCallLog(health: () => { state: 'ok' | 'degraded' | 'off'; waitingRecords: number }): void {
    const registers = [this.registry];
    new Gauge({
      name: `${PREFIX}call_log_degraded`,
      help: 'Whether the decision log is degraded (1: records wait for the store, were dropped, or it is not open)',
      registers,
      collect() {
        this.set(health().state === 'ok' ? 0 : 1);
      },
    });
    new Gauge({
      name: `${PREFIX}call_log_waiting_records`,
      help: 'Decision-log records in memory waiting to be written',
      registers,
      collect() {
        this.set(health().waitingRecords);
      },
    });
  }

  /** A connection over the cap, or a client too slow with its headers or body. */
  recordRefused(reason: (typeof CONNECTION_EVENTS)[number], count = 1): void {
    this.refused.add([this.refusedReason(reason)], count);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  async text(): Promise<string> {
    const process = await this.registry.metrics();
    return `${process}${this.families.map((f) => f.text()).join('')}`;
  }
}

/** HTTP status codes as labels: the real code when it is a valid one, else "other". */
function statusLabel(status: number): string {
  return Number.isInteger(status) && status >= 100 && status <= 599 ? String(status) : 'other';
}

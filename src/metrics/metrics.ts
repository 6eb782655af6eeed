import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** What the rule-set gauges read at scrape time (LiveRules.health() fits). */
export interface RulesInfo {
  health(): { version: string; rules: number };
}

/** Session outcomes we name in metrics; anything else is counted as OTHER so labels stay bounded. */
export const KNOWN_OUTCOMES: ReadonlySet<string> = new Set(['COMPLETED', 'NO_ANSWER', 'BUSY', 'CANCELED', 'FAILED', 'ERROR']);

const PREFIX = 'callrouter_';

/**
 * Every number an operator watches, in one prom-client registry per server (not the global one,
 * so tests and several apps in one process do not share counters).
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'endpoint' | 'status'>;
  private readonly callActionSeconds: Histogram;
  private readonly matches: Counter<'rule'>;
  private readonly fallbacks: Counter<'reason'>;
  private readonly reloads: Counter<'result'>;
  private readonly outcomes: Counter<'rule' | 'outcome'>;
  private readonly statuses: Counter<'status'>;
  private readonly storeErrors: Counter;
  private readonly storeDropped: Counter;

  constructor(rules?: RulesInfo) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: PREFIX });
    this.requests = new Counter({ name: `${PREFIX}http_requests_total`, help: 'HTTP requests by endpoint and status code', labelNames: ['endpoint', 'status'], registers });
    this.callActionSeconds = new Histogram({
      name: `${PREFIX}call_action_duration_seconds`,
      help: 'Time from receiving a call action to having its callflow',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5],
      registers,
    });
    this.matches = new Counter({ name: `${PREFIX}rule_matches_total`, help: 'Call actions answered by each rule', labelNames: ['rule'], registers });
    this.fallbacks = new Counter({ name: `${PREFIX}fallbacks_total`, help: 'Call actions answered with the fallback, by reason', labelNames: ['reason'], registers });
    this.reloads = new Counter({ name: `${PREFIX}rules_reloads_total`, help: 'Rule reloads by result (ok or failed)', labelNames: ['result'], registers });
    this.outcomes = new Counter({
      name: `${PREFIX}session_outcomes_total`,
      help: 'Final session status from the session summary, by the rule that routed the call',
      labelNames: ['rule', 'outcome'],
      registers,
    });
    this.statuses = new Counter({ name: `${PREFIX}call_status_events_total`, help: 'Call status events by callStatus', labelNames: ['status'], registers });
    this.storeErrors = new Counter({ name: `${PREFIX}call_log_errors_total`, help: 'Decision-log records that could not be written or read', registers });
    this.storeDropped = new Counter({ name: `${PREFIX}call_log_dropped_total`, help: 'Decision-log records dropped because the store fell behind', registers });
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
    for (const result of ['ok', 'failed']) this.reloads.inc({ result }, 0);
    for (const reason of ['no-match', 'render-error', 'deadline']) this.fallbacks.inc({ reason }, 0);
  }

  recordRequest(endpoint: string, status: number): void {
    this.requests.inc({ endpoint, status: String(status) });
  }

  observeCallAction(seconds: number): void {
    this.callActionSeconds.observe(seconds);
  }

  recordMatch(ruleId: string): void {
    this.matches.inc({ rule: ruleId });
  }

  /** Call actions answered by each rule since the server started. */
  async ruleMatches(): Promise<Map<string, number>> {
    const { values } = await this.matches.get();
    return new Map(values.map((v) => [String(v.labels.rule), v.value]));
  }

  recordFallback(reason: string): void {
    this.fallbacks.inc({ reason });
  }

  /** For the rule reloader: call once per reload attempt. */
  recordReload(ok: boolean): void {
    this.reloads.inc({ result: ok ? 'ok' : 'failed' });
  }

  recordCallStatus(status: string): void {
    this.statuses.inc({ status });
  }

  recordSessionOutcome(ruleId: string, outcome: string): void {
    this.outcomes.inc({ rule: ruleId, outcome: KNOWN_OUTCOMES.has(outcome) ? outcome : 'OTHER' });
  }

  recordStoreError(count = 1): void {
    this.storeErrors.inc(count);
  }

  recordStoreDropped(count = 1): void {
    this.storeDropped.inc(count);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}

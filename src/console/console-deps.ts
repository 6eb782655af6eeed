import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { RuleSet } from '../engine/rule-set.js';
import type { Metrics } from '../metrics/metrics.js';
import type { RulesHealth } from '../reload/live-rules.js';
import type { Session } from '../sessions/session.js';
import type { ListQuery } from '../sessions/list-query.js';
import type { CallRecord, HourCount, RuleHits } from '../store/call-store.js';

/** What the console reads from the decision log (CallRecorder fits). */
export interface CallLogReader {
  recent(options: { limit: number; search?: string }): Promise<CallRecord[]>;
  hourly(sinceMs: number): Promise<HourCount[]>;
  /** Undefined when the store cannot count per rule (then recent() is scanned). */
  ruleHits?(sinceMs: number): Promise<RuleHits[] | undefined>;
  session(sessionId: string, limit?: number): Promise<CallRecord[]>;
  sessionSummary(sessionId: string): Promise<CallRecord | undefined>;
  state(): 'ok' | 'degraded' | 'off';
  /** Resolves once every record taken so far is written (true) or the wait has passed (false), so counts read next include them. */
  settle?(maxWaitMs?: number): Promise<boolean>;
}

/** What the console reads of live masking sessions (Sessions fits). */
interface SessionsReader {
  list(q: ListQuery): Session[] | Promise<Session[]>;
}

export interface ConsoleDeps {
  /** The console token; unset = every console path answers 404. */
  token: string | undefined;
  rules: { current(): RuleSet; health(): RulesHealth; diagnostics?(): readonly Diagnostic[] };
  metrics: Metrics;
  /** The decision log; absent when it is off. */
  calls?: CallLogReader;
  /** The rules folder, to show a problem's source line and paths relative to it (never the folder itself). */
  rulesDir?: string;
  /** Whether a reload is running right now. */
  reloading?: () => boolean;
  /** Rules not matched for this many days are marked on the rules page (default 30). */
  staleDays?: number;
  /** Live masking sessions; absent when they are off. */
  sessions?: SessionsReader;
  now?: () => Date;
}

import type { CallLogReader } from './console-deps.js';

export interface RuleStats {
  /** Calls answered by each rule id in the window (from the decision log), or since start (metrics). */
  hits: Map<string, number>;
  lastHit: Map<string, number>;
  /** Where the numbers come from, in words for the page. */
  basis: string;
  /** Whether "never matched in N days" can be said (the decision log covers the window). */
  knowsStale: boolean;
}

const SCAN_LIMIT = 2_000;

/** Hits and last hit per rule over the last `days` days of the decision log. */
export async function ruleStatsFromLog(calls: CallLogReader, days: number, now: number): Promise<RuleStats> {
  const since = now - days * 86_400_000;
  const counted = await calls.ruleHits?.(since);
  if (counted) {
    return {
      hits: new Map(counted.map((r) => [r.ruleId, r.hits])),
      lastHit: new Map(counted.map((r) => [r.ruleId, r.lastAt])),
      basis: `calls in the decision log over the last ${days} days`,
      knowsStale: true,
    };
  }
  const records = await calls.recent({ limit: SCAN_LIMIT });
  const hits = new Map<string, number>();
  const lastHit = new Map<string, number>();
  for (const r of records) {
    if (r.kind !== 'call-action' || r.at < since || !r.ruleId) continue;
    hits.set(r.ruleId, (hits.get(r.ruleId) ?? 0) + 1);
    if (!lastHit.has(r.ruleId)) lastHit.set(r.ruleId, r.at);
  }
  const full = records.length < SCAN_LIMIT || (records.at(-1)?.at ?? 0) < since;
  return {
    hits,
    lastHit,
    basis: full ? `calls in the decision log over the last ${days} days` : `the last ${SCAN_LIMIT.toLocaleString('en')} records of the decision log`,
    knowsStale: full,
  };
}

export function ruleStatsFromMetrics(matches: Map<string, number>): RuleStats {
  return { hits: matches, lastHit: new Map(), basis: 'calls since the server started (the decision log is off)', knowsStale: false };
}

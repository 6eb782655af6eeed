import type { SayParams, PlayFileParams } from '../types/generated/callflow.js';

/** Event fields a rule can test (`when:`). */
export const MATCH_FIELDS = [
  'source',
  'destination',
  'sourceCountryCode',
  'destinationCountryCode',
  'destinationRefId',
  'sourceRefId',
  'subAccountId',
  'callStatus',
  'callDirection',
  'callType',
  'clientActionId',
  'dtmf',
] as const;
export type MatchField = (typeof MATCH_FIELDS)[number];

/** Event fields a text may quote with `{{field}}`. */
export const TEMPLATE_FIELDS = [...MATCH_FIELDS, 'eventId', 'callId', 'sessionId', 'timestamp'] as const;
export type TemplateField = (typeof TEMPLATE_FIELDS)[number];

/** Fields compared as phone numbers (normalised to +E.164) and as country codes (upper case). */
export const PHONE_FIELDS: ReadonlySet<MatchField> = new Set(['source', 'destination']);
export const COUNTRY_FIELDS: ReadonlySet<MatchField> = new Set(['sourceCountryCode', 'destinationCountryCode']);

/** Exact-value conditions on these fields are looked up in a hash index instead of scanned. */
export const INDEX_FIELDS = ['destinationRefId', 'destination', 'source'] as const satisfies readonly MatchField[];

export type Matcher =
  | { kind: 'exact'; values: ReadonlySet<string> }
  | { kind: 'prefix'; prefixes: readonly string[] }
  | { kind: 'regex'; regex: RegExp }
  | { kind: 'not'; inner: Matcher }
  | { kind: 'anyOf'; options: readonly Matcher[] };

export interface Condition {
  field: MatchField;
  matcher: Matcher;
  /** How the author wrote it, for explanations. */
  source: unknown;
}

export type TemplatePart = string | { field: TemplateField };

/** Text with `{{field}}` placeholders, split once at load time. */
export interface Template {
  parts: readonly TemplatePart[];
}

export type Action =
  | { action: 'say'; text: Template; params: Omit<SayParams, 'text'> }
  | { action: 'playFile'; params: PlayFileParams }
  | { action: 'makeCall'; destination: string; source?: string; callRecording?: boolean }
  | { action: 'hangup' };

export interface Rule {
  id: string;
  /** Position in the whole rule set: lower wins. */
  order: number;
  file: string;
  line: number;
  col: number;
  conditions: readonly Condition[];
  actions: readonly Action[];
}

export interface RuleIndex {
  byField: ReadonlyMap<MatchField, ReadonlyMap<string, readonly Rule[]>>;
  /** Rules with no exact condition on an index field, in order. */
  unindexed: readonly Rule[];
}

/** Everything the engine needs, decided once when the rules load. Never mutated after. */
export interface RuleSet {
  /** Content hash of all files: the same files give the same version. */
  version: string;
  rules: readonly Rule[];
  index: RuleIndex;
  fallback: readonly Action[];
  files: readonly string[];
}

import type { CallActionPayload } from '../types/generated/call-action.js';
import type { SayParams, PlayFileParams, SayAndCaptureParams } from '../types/generated/callflow.js';
import type { Conditions } from '../types/generated/rules.js';
import type { PairIndex } from './pair-index.js';
import type { Pool } from './pool.js';
import type { TimeWindow } from './time-window.js';

/**
 * The event fields a rule can test (`when:`, every condition of the rule language but `time`), and
 * how each is compared: as a phone number (normalised to +E.164), a country code (upper case), or as
 * sent. Tied to the schema: a condition added there and forgotten here fails the typecheck.
 */
const FIELD_KINDS = {
  source: 'phone',
  destination: 'phone',
  sourceCountryCode: 'country',
  destinationCountryCode: 'country',
  destinationRefId: 'text',
  sourceRefId: 'text',
  subAccountId: 'text',
  callStatus: 'text',
  callDirection: 'text',
  callType: 'text',
  clientActionId: 'text',
  dtmf: 'text',
} as const satisfies Record<Exclude<keyof Conditions, 'time'>, 'phone' | 'country' | 'text'>;
export type MatchField = keyof typeof FIELD_KINDS;
// Object.keys keeps the table's order; its keys are exactly MatchField.
export const MATCH_FIELDS = Object.keys(FIELD_KINDS) as readonly MatchField[];

/** Event fields a text may quote with `{{field}}`: every one is a field of the Call Action event. */
export const TEMPLATE_FIELDS = [...MATCH_FIELDS, 'eventId', 'callId', 'sessionId', 'timestamp'] as const satisfies readonly (keyof CallActionPayload)[];
export type TemplateField = (typeof TEMPLATE_FIELDS)[number];

export const PHONE_FIELDS: ReadonlySet<MatchField> = new Set(MATCH_FIELDS.filter((f) => FIELD_KINDS[f] === 'phone'));
export const COUNTRY_FIELDS: ReadonlySet<MatchField> = new Set(MATCH_FIELDS.filter((f) => FIELD_KINDS[f] === 'country'));

/** Exact-value conditions on these fields are looked up in a hash index instead of scanned. */
// clientActionId files the rules of menu steps, so a new call scans none of them.
export const INDEX_FIELDS = ['destinationRefId', 'destination', 'source', 'clientActionId'] as const satisfies readonly MatchField[];

/** A compiled pattern: whether it finds a match in `text`. */
interface TextTest {
  test(text: string): boolean;
}

export type Matcher =
  /** `lists` names the named lists the values came from (`in: vip-numbers`), for explanations. */
  | { kind: 'exact'; values: ReadonlySet<string>; lists?: readonly string[] }
  | { kind: 'prefix'; prefixes: readonly string[] }
  /** `regex` runs in linear time (RE2); it does not survive a structured clone, `pattern` does. */
  | { kind: 'regex'; pattern: string; ignoreCase: boolean; readonly regex: TextTest }
  | { kind: 'not'; inner: Matcher }
  | { kind: 'anyOf'; options: readonly Matcher[] };

/** A test of one event field (`source: "+65…"`). */
export interface FieldCondition {
  kind: 'field';
  field: MatchField;
  matcher: Matcher;
  /** How the author wrote it, for explanations. */
  source: unknown;
  /** A value that meets it, where the matcher cannot show one (a menu's `regex`), for sample calls. */
  example?: string;
}

/** `time:` — holds when the call's moment falls in any of the windows. */
export interface TimeCondition {
  kind: 'time';
  field: 'time';
  windows: readonly TimeWindow[];
  source: unknown;
}

/**
 * The caller's keys (dtmf, without a closing #) are the PIN of an open live masking session on the
 * number they called: answered through the call's SessionLookup, so the engine does no I/O.
 */
export interface PinCondition {
  kind: 'pin';
  field: 'dtmf';
  source: unknown;
}

export type Condition = FieldCondition | TimeCondition | PinCondition;

export type TemplatePart = string | { field: TemplateField };

/** Text with `{{field}}` placeholders, split once at load time. */
export interface Template {
  parts: readonly TemplatePart[];
}

/** One callflow step as 8x8 runs it (after any split has been decided). */
export type Step =
  | { action: 'say'; text: Template; params: Omit<SayParams, 'text'> }
  | { action: 'playFile'; params: PlayFileParams }
  | CaptureStep
  | { action: 'makeCall'; destination: string; source?: string; callRecording?: boolean }
  /** makeCall to the other party of the caller's masking pair, found per call. */
  | { action: 'callOtherParty'; source?: string; callRecording?: boolean }
  | { action: 'hangup' };

/**
 * sayAndCapture: the caller's keys come back in the next event, carrying the clientActionId of
 * this answer. `next` is that id when it is not the rule's own: a menu's state (m-main-00).
 */
export interface CaptureStep {
  action: 'sayAndCapture';
  prompt: Template;
  successMessage?: Template;
  failureMessage?: Template;
  params: Omit<SayAndCaptureParams, 'promptMessage' | 'successMessage' | 'failureMessage'>;
  next?: string;
}

interface SplitBranch {
  weight: number;
  actions: readonly Action[];
}

/**
 * `split:` — one branch per call session, chosen by a hash of the session id. `salt` (where the
 * split is written) keeps nested and sibling splits independent of each other.
 */
export interface SplitAction {
  action: 'split';
  branches: readonly SplitBranch[];
  totalWeight: number;
  salt: string;
}

export type Action = Step | SplitAction;

export interface Rule {
  id: string;
  /** Position in the whole rule set: lower wins. */
  order: number;
  file: string;
  line: number;
  col: number;
  conditions: readonly Condition[];
  actions: readonly Action[];
  /** `else:` — used instead of `actions` when they call the other party and the caller has no current pair. */
  elseActions?: readonly Action[];
  /** Whether some branch of `actions` calls the other party, so matching must look the pair up. Absent: no. */
  needsPair?: boolean;
  /**
   * For a PIN menu's rule: `makeCall: other-party` calls this party (0: the first, 1: the second) of
   * the session whose PIN the caller typed (its PinCondition), not the caller's own pair.
   */
  pinParty?: 0 | 1;
  /** The sub-accounts the rule is limited to (file `scope:`, else an exact `when: subAccountId`), if any. */
  scope?: ReadonlySet<string>;
  /** Set on the rules a menu compiles into (src/rules/compile-menus.ts): which menu, and which of its paths. */
  menu?: MenuRuleInfo;
}

export interface MenuRuleInfo {
  /** The menu's name; absent for the one rule that answers a step of a menu that no longer exists. */
  name?: string;
  /** `pin`: a PIN menu's right PIN. */
  kind: 'option' | 'pin' | 'no-input' | 'invalid' | 'exhausted' | 'restart' | 'stale';
}

/**
 * Each rule is filed under the values of its first exact condition on an index field (in
 * INDEX_FIELDS order), or left to scan. A lookup, not a Map, so that a rule set may keep its
 * index in flat buffers (a reloaded one does: src/rules/packed-rule-set.ts).
 */
export interface RuleIndex {
  /** The rules filed under `value` of `field`, in order; undefined when none. */
  candidates(field: MatchField, value: string): readonly Rule[] | undefined;
  /** Rules with no exact condition on an index field, in order. */
  readonly unindexed: readonly Rule[];
}

/** Everything the engine needs, decided once when the rules load. Never mutated after. */
export interface RuleSet {
  /** Content hash of all files: the same files give the same version. */
  version: string;
  rules: readonly Rule[];
  index: RuleIndex;
  fallback: readonly Action[];
  files: readonly string[];
  /** Masking pairs from the folder's .csv tables, looked up by virtual number and caller. Absent: none. */
  pairs?: PairIndex;
  /** Pools of virtual numbers for live masking sessions (pools.yaml), by name. Absent: none. */
  pools?: ReadonlyMap<string, Pool>;
}

/** A problem found in rule files, a request or a command line: a value, never a thrown string. */
export interface Diagnostic {
  /** Stable, kebab-case; tests and tools match on it. */
  code: DiagnosticCode;
  severity: 'error' | 'warning';
  /** Written for the rule author: what is wrong and what would be right. */
  message: string;
  /** Path as given to the loader (relative to the rules folder where possible). */
  file?: string;
  /** 1-based. */
  line?: number;
  /** 1-based. */
  col?: number;
  /** Where the offending span ends (exclusive column), when known: the caret underlines it. */
  endLine?: number;
  endCol?: number;
  /** More lines for a person (a failed test's diff); formatters print it below the message. */
  detail?: string;
}

export type DiagnosticCode =
  | 'yaml-syntax'
  | 'yaml-duplicate-key'
  | 'unknown-field'
  | 'missing-field'
  | 'wrong-type'
  | 'too-small'
  | 'too-large'
  | 'too-short'
  | 'too-long'
  | 'bad-value'
  | 'bad-id'
  | 'duplicate-id'
  | 'bad-phone-number'
  | 'unknown-number-range'
  | 'bad-url'
  | 'bad-regex'
  | 'unsupported-regex'
  | 'unknown-placeholder'
  | 'missing-voice-profile'
  | 'too-many-make-calls'
  | 'hangup-not-last'
  | 'no-rule-files'
  | 'unreadable'
  | 'not-a-mapping'
  | 'empty-file'
  | 'bad-cidr'
  // Rule tests (src/testing) and lints (src/lint, warnings).
  | 'rule-test-failed'
  | 'unknown-rule'
  | 'unreachable-rule'
  | 'no-catch-all'
  | 'unknown-voice-profile'
  | 'make-call-source-not-called-number'
  | 'say-text-too-long'
  | 'say-text-may-be-empty'
  // Routing features: named lists, time conditions, masking pairs, splits.
  | 'unknown-list'
  | 'unknown-calendar'
  | 'bad-timezone'
  | 'old-timezone-name'
  | 'regex-slip'
  | 'bad-days'
  | 'bad-hours'
  | 'bad-date'
  | 'bad-csv'
  | 'unknown-column'
  | 'missing-column'
  | 'bad-expiry'
  | 'pair-same-party'
  | 'duplicate-pair'
  | 'other-party-not-allowed'
  | 'else-without-other-party'
  | 'reload-failed'
  | 'rules-cache-unusable'
  | 'settings-not-loaded'
  | 'bad-country-code'
  // Pools of virtual numbers for live masking sessions (pools.yaml).
  | 'duplicate-pool'
  | 'duplicate-pool-number'
  // sayAndCapture (8x8's own validation codes are in the messages) and menus (src/rules/compile-menus.ts).
  | 'capture-needs-max-digits'
  | 'capture-min-over-max'
  | 'capture-needs-overall-timeout'
  | 'capture-timeout-order'
  | 'capture-hash-needs-max-digits'
  | 'capture-not-last'
  | 'unknown-menu'
  | 'menu-not-allowed'
  | 'duplicate-menu'
  | 'menu-no-back'
  | 'menu-back-ambiguous'
  | 'unreachable-menu'
  | 'menu-key-too-long'
  | 'menu-no-way-out'
  | 'menu-no-exhausted'
  | 'menu-pin-field';

export interface Position {
  line: number;
  col: number;
  endLine?: number;
  endCol?: number;
}

type Where = { file?: string } & Partial<Position>;

function make(severity: Diagnostic['severity']) {
  return (code: DiagnosticCode, message: string, where: Where = {}): Diagnostic => ({ code, severity, message, ...where });
}

/** A problem that stops the rules (or the config) from loading. */
export const error = make('error');
/** Worth knowing, but the rules load and serve. */
export const warning = make('warning');

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

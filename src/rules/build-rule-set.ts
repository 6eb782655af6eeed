import { createHash } from 'node:crypto';
import { error, hasErrors, warning, type Diagnostic } from '../diagnostics/diagnostic.js';
import { INDEX_FIELDS, type Action, type Condition, type MatchField, type Rule, type RuleIndex, type RuleSet } from '../engine/rule-set.js';
import { exactValuesOn } from '../engine/narrow-candidates.js';
import { allStepLists } from '../engine/split.js';
import type { ZonedClock } from '../engine/time-window.js';
import type { Matcher as MatcherSource, RulesFile, TimeWindow as TimeSource } from '../types/generated/rules.js';
import type { Settings } from '../types/generated/settings.js';
import { compileActions, type MenuEntries } from './compile-actions.js';
import { compileMenuRules, menuEntries } from './compile-menus.js';
import { declareMenus } from './declare-menus.js';
import { MENU_STATE } from './menu-state.js';
import { Calendars } from './compile-calendars.js';
import { NamedLists } from './compile-lists.js';
import { compileMatcher, type MatcherProblem } from './compile-matcher.js';
import { compilePairs } from './compile-pairs.js';
import { compilePools } from './compile-pools.js';
import { compileTime } from './compile-time.js';
import { checkDefaultCountry, type PhonePolicy } from './phone-number.js';
import { explainSchemaErrors } from '../source/explain-schema-errors.js';
import type { ParsedFile, SourceFile, YamlPath } from '../source/parse-yaml.js';
import { parseRulesYaml } from '../source/parse-yaml-fast.js';
import { readValidatedYaml } from '../source/read-validated-yaml.js';
import { validateRulesFile, validateSettings } from './schemas.js';

export interface RuleSources {
  /** Rule files in the order they are tried (file-name order). */
  ruleFiles: readonly SourceFile[];
  /** settings.yaml, when the folder has one. */
  settings?: SourceFile;
  /** Masking-pair tables (.csv), in path order. */
  pairFiles?: readonly SourceFile[];
  /** pools.yaml: virtual numbers for live masking sessions, when the folder has one. */
  pools?: SourceFile;
}

/** Every file of a folder's sources: rule files, settings, pair tables, pools. */
export function sourceFiles(sources: RuleSources): SourceFile[] {
  return [...sources.ruleFiles, ...(sources.settings ? [sources.settings] : []), ...(sources.pairFiles ?? []), ...(sources.pools ? [sources.pools] : [])];
}

export interface BuildResult {
  /** Present only when there are no errors: a rule set is all good or not built at all. */
  ruleSet?: RuleSet;
  diagnostics: Diagnostic[];
  /** With `keepParsed`: every file as parsed, so lints need not parse it again (validate). */
  parsed?: ParsedSources;
}

/** The parsed files behind a rule set: rule files in rule-set order, and settings.yaml. */
export interface ParsedSources {
  ruleFiles: readonly ParsedFile[];
  settings?: ParsedFile;
}

export interface BuildOptions {
  /** Keep each ParsedFile in the result (costs memory: off for the server). */
  keepParsed?: boolean;
}

const DEFAULT_APOLOGY = 'Sorry, we cannot connect your call right now. Please try again later.';

/** Parse, validate and compile every file into one rule set. Pure: no I/O, same input, same output. */
export function buildRuleSet(sources: RuleSources, options: BuildOptions = {}): BuildResult {
  const diagnostics: Diagnostic[] = [];
  if (sources.ruleFiles.length === 0) {
    diagnostics.push(error('no-rule-files', 'no rule files found: add a .yaml file with a `rules:` list'));
  }

  const settings = sources.settings ? readSettings(sources.settings, diagnostics) : undefined;
  if (sources.settings && !settings) {
    // Every rule would now seem to use unknown lists, calendars and voices: echoes, not problems.
    diagnostics.push(warning('settings-not-loaded', 'the rule files were not checked, because settings.yaml (their lists, calendars and voice) has errors: fix it first', { file: sources.settings.file }));
    return { diagnostics };
  }
  const defaultCountry = settings?.data.defaultCountry;
  const countryProblem = defaultCountry === undefined ? undefined : checkDefaultCountry(defaultCountry);
  if (countryProblem && settings) diagnostics.push(error('bad-country-code', countryProblem, { file: settings.parsed.file, ...settings.parsed.locate(['defaultCountry']) }));
  const phonePolicy: PhonePolicy = defaultCountry && !countryProblem ? { defaultCountry } : {};
  const folder: FolderContext = {
    voiceProfile: settings?.data.voiceProfile,
    phonePolicy,
    unvoiced: [],
    lists: new NamedLists(settings?.data.lists ?? {}, settings?.parsed, diagnostics, phonePolicy),
    calendars: Calendars.compile(settings?.data.calendars, settings?.parsed, diagnostics),
    clocks: new Map(),
  };
  const pairs = compilePairs(sources.pairFiles ?? [], diagnostics);
  const pools = sources.pools ? compilePools(sources.pools, diagnostics) : undefined;
  const rules: Rule[] = [];
  const seenIds = new Map<string, Rule[]>();
  const parsedFiles: ParsedFile[] = [];

  const files: { parsed: ParsedFile; file: RulesFile }[] = [];
  for (const source of sources.ruleFiles) {
    const parsed = parseRulesYaml(source);
    diagnostics.push(...parsed.diagnostics);
    if (hasErrors(parsed.diagnostics)) continue;
    if (parsed.data === null || parsed.data === undefined) {
      // An error, not a warning: a file caught mid-save reads as empty, and must not go live without its rules.
      diagnostics.push(error('empty-file', 'this rules file is empty: write its `rules:` list (see README), or delete the file if it should hold no rules', { file: source.file, line: 1, col: 1 }));
      continue;
    }
    if (!validateRulesFile(parsed.data)) {
      diagnostics.push(...explainSchemaErrors(validateRulesFile.errors ?? [], parsed));
      continue;
    }
    files.push({ parsed, file: parsed.data });
    if (options.keepParsed) parsedFiles.push(parsed);
  }

  // Menus first: any rule may open a menu of any file, and a menu's steps are answered before any rule.
  const menus = declareMenus(files, folder.voiceProfile, diagnostics);
  const entries = menuEntries(menus, diagnostics);
  const fallbackDiagnostics: Diagnostic[] = [];
  const fallback = compileFallback(settings, folder, fallbackDiagnostics);
  const addRule = (rule: Rule, parsed: ParsedFile, idAt: YamlPath) => {
    const sameId = seenIds.get(rule.id) ?? [];
    const earlier = sameId.find((r) => scopesOverlap(r.scope, rule.scope));
    if (earlier) {
      const unique = rule.scope || earlier.scope ? 'ids must be unique within a sub-account' : 'ids must be unique across all files';
      const why = earlier.menu ? ` (by menu \`${earlier.menu.name ?? ''}\`, which names its rules after itself)` : '';
      diagnostics.push(error('duplicate-id', `rule id \`${rule.id}\` is already used at ${earlier.file}:${earlier.line}:${earlier.col}${why}; ${unique}`, { file: parsed.file, ...parsed.locate(idAt) }));
    }
    seenIds.set(rule.id, [...sameId, rule]);
    rules.push({ ...rule, order: rules.length });
  };
  for (const rule of compileMenuRules(menus, entries, fallback, diagnostics)) {
    const menu = rule.menu?.name === undefined ? undefined : menus.get(rule.menu.name);
    addRule(rule, menu?.parsed ?? files[0]!.parsed, menu ? ['menus', menu.name] : ['menus']);
  }
  for (const { parsed, file } of files) {
    file.rules.forEach((raw, i) => {
      if (MENU_STATE.test(raw.id)) {
        diagnostics.push(
          error('bad-id', `rule id \`${raw.id}\` has the shape of a menu step (m-NAME-12), which menus use as clientActionId: choose another id`, { file: parsed.file, ...parsed.locate(['rules', i, 'id']) }),
        );
      }
      addRule(compileRule(raw, i, file, parsed, folder, entries, diagnostics), parsed, ['rules', i, 'id']);
    });
  }
  diagnostics.push(...fallbackDiagnostics);
  reportUnvoiced(folder.unvoiced, sources.settings?.file, settings?.parsed, diagnostics);

  if (hasErrors(diagnostics)) return { diagnostics };
  return {
    ruleSet: {
      version: versionOf(sources),
      rules,
      index: indexRules(rules),
      fallback,
      files: sources.ruleFiles.map((f) => f.file),
      pairs,
      ...(pools ? { pools } : {}),
    },
    diagnostics,
    ...(options.keepParsed ? { parsed: { ruleFiles: parsedFiles, ...(settings ? { settings: settings.parsed } : {}) } } : {}),
  };
}

interface ReadSettings {
  data: Settings;
  parsed: ParsedFile;
}

function readSettings(source: SourceFile, diagnostics: Diagnostic[]): ReadSettings | undefined {
  return readValidatedYaml(source, validateSettings, diagnostics);
}

/** What every rule of the folder shares: settings.yaml's voice, lists and calendars, one clock per timezone. */
interface FolderContext {
  voiceProfile: string | undefined;
  phonePolicy: PhonePolicy;
  /** Says that found no voice (see reportUnvoiced). */
  unvoiced: { file: string }[];
  lists: NamedLists;
  calendars: Calendars;
  clocks: Map<string, ZonedClock>;
}

function compileRule(raw: RulesFile['rules'][number], i: number, file: RulesFile, parsed: ParsedFile, folder: FolderContext, menus: MenuEntries, diagnostics: Diagnostic[]): Rule {
  const path = ['rules', i] as const;
  const problems: MatcherProblem[] = [];
  const scope = scopeOf(file);
  const conditions: Condition[] = scope ? [{ kind: 'field', field: 'subAccountId', matcher: { kind: 'exact', values: scope }, source: file.scope?.subAccountId }] : [];
  for (const [field, source] of Object.entries(raw.when ?? {})) {
    if (field === 'time') {
      const windows = compileTime(source as TimeSource, [...path, 'when', 'time'], { parsed, diagnostics, calendars: folder.calendars, clocks: folder.clocks });
      conditions.push({ kind: 'time', field: 'time', windows, source });
    } else {
      const matchField = field as MatchField;
      conditions.push({ kind: 'field', field: matchField, matcher: compileMatcher(matchField, source as MatcherSource, [...path, 'when', field], problems, folder.lists, folder.phonePolicy), source });
    }
  }
  for (const p of problems) diagnostics.push((p.severity === 'warning' ? warning : error)(p.code, p.message, { file: parsed.file, ...parsed.locate(p.path) }));
  const voiceProfile = file.defaults?.voiceProfile ?? folder.voiceProfile;
  const actions = compileActions(raw.then, [...path, 'then'], { parsed, voiceProfile, diagnostics, otherParty: 'allowed', salt: raw.id, menus, unvoiced: folder.unvoiced, phonePolicy: folder.phonePolicy });
  const needsPair = allStepLists(actions).some((steps) => steps.some((s) => s.action === 'callOtherParty'));
  let elseActions: Action[] | undefined;
  if (raw.else) {
    elseActions = compileActions(raw.else, [...path, 'else'], { parsed, voiceProfile, diagnostics, otherParty: 'else', salt: raw.id, menus, unvoiced: folder.unvoiced, phonePolicy: folder.phonePolicy });
    if (!needsPair) {
      diagnostics.push({
        ...error('else-without-other-party', '`else` is never used: it runs only when `then` calls `makeCall: other-party` and the caller has no masking pair', {
          file: parsed.file,
          ...parsed.locate([...path, 'else'], 'key'),
        }),
        severity: 'warning',
      });
    }
  }
  // A rule written `when: { subAccountId: acme-sg }` is scoped like a rule in a scoped file.
  const ruleScope = scope ?? exactValues(conditions, 'subAccountId');
  return {
    id: raw.id,
    order: 0,
    file: parsed.file,
    ...parsed.locate([...path]),
    conditions,
    actions,
    ...(elseActions ? { elseActions } : {}),
    needsPair,
    ...(ruleScope ? { scope: ruleScope } : {}),
  };
}

function exactValues(conditions: readonly Condition[], field: MatchField): ReadonlySet<string> | undefined {
  const c = conditions.find((x) => x.kind === 'field' && x.field === field);
  return c?.kind === 'field' && c.matcher.kind === 'exact' ? c.matcher.values : undefined;
}

/** A file's `scope: { subAccountId }` as a set of sub-account ids. */
function scopeOf(file: RulesFile): ReadonlySet<string> | undefined {
  const ids = file.scope?.subAccountId;
  if (ids === undefined) return undefined;
  return new Set(Array.isArray(ids) ? ids : [ids]);
}

/** Two rules can share an id only when both are scoped (by file or by `when: subAccountId`), to different sub-accounts. */
function scopesOverlap(a: ReadonlySet<string> | undefined, b: ReadonlySet<string> | undefined): boolean {
  if (!a || !b) return true;
  for (const id of a) if (b.has(id)) return true;
  return false;
}

/**
 * One error for all says without a voice: the fix is one line, settings.yaml's voiceProfile
 * (a file's `defaults:` would fix only that file's says).
 */
function reportUnvoiced(unvoiced: readonly { file: string }[], settingsFile: string | undefined, parsed: ParsedFile | undefined, diagnostics: Diagnostic[]): void {
  if (unvoiced.length === 0) return;
  const files = [...new Set(unvoiced.map((u) => u.file))];
  const says = unvoiced.length === 1 ? '1 say' : `${unvoiced.length} says`;
  const inFiles = files.length <= 3 ? files.join(', ') : `${files.slice(0, 3).join(', ')} and ${files.length - 3} more files`;
  const message =
    `no voiceProfile is set, and 8x8 has no default voice: ${says} (in ${inFiles}) cannot be spoken. ` + "Add a line like `voiceProfile: en-US-ZiraRUS` to settings.yaml (or to a file's `defaults:`, or to one say)";
  const where = parsed ? { file: parsed.file, line: 1, col: 1 } : { file: settingsFile ?? 'settings.yaml' };
  diagnostics.push(error('missing-voice-profile', message, where));
}

function compileFallback(settings: ReadSettings | undefined, folder: FolderContext, diagnostics: Diagnostic[]): Action[] {
  const voiceProfile = settings?.data.voiceProfile;
  if (settings?.data.fallback) {
    return compileActions(settings.data.fallback, ['fallback'], { parsed: settings.parsed, voiceProfile, diagnostics, unvoiced: folder.unvoiced, phonePolicy: folder.phonePolicy });
  }
  // Without a voice we cannot apologise (8x8 has no default voice), so we only hang up.
  if (!voiceProfile) return [{ action: 'hangup' }];
  return [{ action: 'say', text: { parts: [DEFAULT_APOLOGY] }, params: { voiceProfile } }, { action: 'hangup' }];
}

/** The index of a rule set built here: the rules themselves, filed in Maps. */
function indexRules(rules: readonly Rule[]): RuleIndex {
  return new MapRuleIndex(rules);
}

/** The exact condition a rule is filed under: its first exact condition on an index field, in INDEX_FIELDS order. */
export function indexKey(rule: Rule): { field: MatchField; values: ReadonlySet<string> } | undefined {
  for (const field of INDEX_FIELDS) {
    const values = exactValuesOn(rule, field);
    if (values) return { field, values };
  }
  return undefined;
}

/**
 * Built on first use, not with the rule set: the rules loader packs the set with an index of its
 * own (src/rules/packed-rule-set.ts) and never asks this one, which cost it 100 ms at 100k rules.
 */
class MapRuleIndex implements RuleIndex {
  private built: { byField: Map<MatchField, Map<string, Rule[]>>; unindexed: Rule[] } | undefined;

  constructor(private readonly rules: readonly Rule[]) {}

  get unindexed(): readonly Rule[] {
    return this.index().unindexed;
  }

  candidates(field: MatchField, value: string): readonly Rule[] | undefined {
    return this.index().byField.get(field)?.get(value);
  }

  private index(): { byField: Map<MatchField, Map<string, Rule[]>>; unindexed: Rule[] } {
    if (this.built) return this.built;
    const byField = new Map<MatchField, Map<string, Rule[]>>();
    const unindexed: Rule[] = [];
    for (const rule of this.rules) {
      const key = indexKey(rule);
      if (!key) {
        unindexed.push(rule);
        continue;
      }
      let values = byField.get(key.field);
      if (!values) byField.set(key.field, (values = new Map()));
      for (const value of key.values) {
        const list = values.get(value);
        if (list) list.push(rule);
        else values.set(value, [rule]);
      }
    }
    this.built = { byField, unindexed };
    return this.built;
  }
}

export function versionOf(sources: RuleSources): string {
  const hash = createHash('sha256');
  for (const f of [...(sources.settings ? [sources.settings] : []), ...sources.ruleFiles, ...(sources.pairFiles ?? []), ...(sources.pools ? [sources.pools] : [])]) {
    hash.update(f.file).update('\0').update(f.text).update('\0');
  }
  return hash.digest('hex').slice(0, 12);
}

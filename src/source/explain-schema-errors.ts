import type { ErrorObject } from 'ajv';
import { error, type Diagnostic, type DiagnosticCode } from '../diagnostics/diagnostic.js';
import { didYouMean } from '../text/suggest.js';
import { ACTIONS, CONDITION_FIELDS } from './rule-language.js';
import { typeWords } from './schema-words.js';
import type { ParsedFile, YamlPath } from './parse-yaml.js';

type Context = 'action' | 'conditions' | 'operator' | 'rule' | 'file' | 'other';

/**
 * Turns ajv's errors for one file into a few messages a rule author can act on.
 * ajv reports every failed branch of an `anyOf`; we keep the branch that fits the data.
 */
export function explainSchemaErrors(errors: readonly ErrorObject[], parsed: ParsedFile): Diagnostic[] {
  const relevant = pickRelevant(errors);
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const e of relevant) {
    const path = toPath(e.instancePath);
    const { code, message, target } = describe(e, path);
    const key = `${e.instancePath}|${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const pos = parsed.locate(targetPath(e, path), target);
    out.push(error(code, message, { file: parsed.file, ...pos }));
  }
  return out;
}

function pickRelevant(errors: readonly ErrorObject[]): ErrorObject[] {
  // `propertyNames` only wraps the error about the name itself, which is kept; `if` only says its `then`/`else` failed.
  const concrete = errors.filter((e) => e.keyword !== 'anyOf' && e.keyword !== 'oneOf' && e.keyword !== 'propertyNames' && e.keyword !== 'if');
  const isShape = (e: ErrorObject) => e.keyword === 'type' || e.keyword === 'enum' || e.keyword === 'const';
  const kept = concrete.filter((e) => {
    if (!isShape(e)) return true;
    const p = e.instancePath;
    // A deeper error, or a non-shape error here, means another branch fitted the data better.
    return !concrete.some((o) => o.instancePath.startsWith(`${p}/`) || (o.instancePath === p && !isShape(o)));
  });
  // Where only shape errors remain at a path: an enum/const error means the type fitted; keep that.
  const byPath = new Map<string, ErrorObject[]>();
  for (const e of kept) byPath.set(e.instancePath, [...(byPath.get(e.instancePath) ?? []), e]);
  const result: ErrorObject[] = [];
  for (const group of byPath.values()) {
    const valueErrors = group.filter((e) => e.keyword === 'enum' || e.keyword === 'const');
    const typeErrors = group.filter((e) => e.keyword === 'type');
    const others = group.filter((e) => !isShape(e));
    result.push(...others);
    if (valueErrors.length > 0) result.push(valueErrors[0]!);
    else if (typeErrors.length > 0) result.push(mergeTypes(typeErrors));
  }
  return result;
}

function mergeTypes(errors: ErrorObject[]): ErrorObject {
  const types = new Set<string>();
  for (const e of errors) {
    const t = (e.params as { type: string | string[] }).type;
    for (const one of Array.isArray(t) ? t : [t]) types.add(one);
  }
  return { ...errors[0]!, params: { type: [...types] } };
}

function toPath(instancePath: string): (string | number)[] {
  if (instancePath === '') return [];
  return instancePath
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function contextOf(path: YamlPath): Context {
  const last = path[path.length - 1];
  const before = path[path.length - 2];
  if (path.length === 0) return 'file';
  if (typeof last === 'number' && (before === 'then' || before === 'else' || before === 'fallback')) return 'action';
  if (last === 'when') return 'conditions';
  if (path.includes('when') && path.includes('time')) return 'other';
  if (path.includes('when')) return 'operator';
  if (typeof last === 'number' && before === 'rules') return 'rule';
  return 'other';
}

/** The action a path is inside (`say`, `playFile`…), for messages like "… for playFile". */
function actionOf(path: YamlPath): string | undefined {
  const i = path.findLastIndex((s, n) => (s === 'then' || s === 'else' || s === 'fallback') && typeof path[n + 1] === 'number');
  const name = i >= 0 ? path[i + 2] : undefined;
  return typeof name === 'string' && ACTIONS.includes(name) ? name : undefined;
}

function fieldName(path: YamlPath): string {
  for (let i = path.length - 1; i >= 0; i--) {
    const s = path[i];
    if (typeof s === 'string') return s;
  }
  return 'this file';
}

function targetPath(e: ErrorObject, path: YamlPath): YamlPath {
  if (e.propertyName !== undefined) return [...path, e.propertyName];
  return e.keyword === 'additionalProperties' ? [...path, (e.params as { additionalProperty: string }).additionalProperty] : path;
}

function describe(e: ErrorObject, path: YamlPath): { code: DiagnosticCode; message: string; target: 'key' | 'value' } {
  const field = `\`${fieldName(path)}\``;
  const action = actionOf(path);
  const forAction = action && action !== fieldName(path) ? ` for ${action}` : '';
  const context = contextOf(path);
  const limit = (e.params as { limit?: number }).limit;
  switch (e.keyword) {
    case 'additionalProperties': {
      const name = (e.params as { additionalProperty: string }).additionalProperty;
      const known = Object.keys((e.parentSchema?.properties as Record<string, unknown> | undefined) ?? {});
      const noun = { action: 'action', conditions: 'condition', operator: 'operator', rule: 'rule field', file: 'top-level field', other: 'field' }[context];
      // A condition or an action written at the level of the rule: an indentation slip.
      const misplaced =
        context === 'rule' && CONDITION_FIELDS.includes(name)
          ? `; conditions go under \`when:\`, indented below it`
          : context === 'rule' && ACTIONS.includes(name)
            ? `; actions go under \`then:\`, as list items (\`- ${name}: ...\`)`
            : undefined;
      const hint = misplaced ?? didYouMean(name, known);
      const list = hint ? '' : `; expected one of: ${known.join(', ')}`;
      return { code: 'unknown-field', message: `unknown ${noun} \`${name}\`${hint}${list}`, target: 'key' };
    }
    case 'required': {
      const missing = (e.params as { missingProperty: string }).missingProperty;
      const why: Record<string, string> = {
        then: 'list what should happen to the call, for example `- say: "Hello"`',
        id: 'give the rule a unique name, for example `id: sg-support`',
        rules: 'a rules file needs a `rules:` list',
        text: 'say what should be spoken',
        fileUrl: 'give the URL of an .mp3 or .wav file',
        destination: 'give the number to connect the caller to',
        timezone: 'name the timezone the days and hours are in, for example `timezone: Asia/Singapore`',
        weight: 'give each branch of the split a weight, for example `weight: 70`',
        subAccountId: 'name the 8x8 sub-account, for example `subAccountId: acme-sg`',
        prompt: 'say what the caller hears, for example `prompt: "Press 1 for sales."`',
        options: 'list the keys and what they do, for example `options: { "1": { menu: sales } }`, or write `ask: pin` to ask for a PIN',
        promptMessage: 'say what the caller hears before pressing keys',
      };
      return { code: 'missing-field', message: `\`${missing}\` is missing${why[missing] ? `: ${why[missing]}` : ''}`, target: 'value' };
    }
    case 'type': {
      const t = (e.params as { type: string | string[] }).type;
      const words = typeWords(t, 'yaml');
      if (context === 'file') {
        return { code: 'not-a-mapping', message: 'the file must be `key: value` lines at the top level (a rules file starts with `rules:`), not a list or plain text', target: 'value' };
      }
      const what = context === 'action' ? 'an action' : field;
      const types = Array.isArray(t) ? t : [t];
      // YAML read something like 0x1F or 6.5e10 as a number: the author meant text.
      const quote = typeof e.data === 'number' && types.includes('string') ? '; put it in quotes, like "+6587654321"' : '';
      return { code: 'wrong-type', message: `${what} must be ${words}${forAction}${quote}`, target: 'value' };
    }
    case 'enum':
    case 'const': {
      const allowed = (e.params as { allowedValues?: unknown[]; allowedValue?: unknown }).allowedValues ?? [(e.params as { allowedValue?: unknown }).allowedValue];
      if (path.length >= 4 && path[0] === 'menus' && path[2] === 'options' && path.length === 4) {
        const given = String(e.data);
        const hint = didYouMean(given, ['repeat', 'back', 'hangup']);
        return { code: 'bad-value', message: `option "${String(path[3])}" must be \`repeat\`, \`back\`, an action or a list of actions${hint}`, target: 'value' };
      }
      if (context === 'action') {
        const given = String(e.data);
        const hint = didYouMean(given, ACTIONS);
        return { code: 'unknown-field', message: `unknown action \`${given}\`${hint || `; actions are ${ACTIONS.join(', ')}`}`, target: 'value' };
      }
      return { code: 'bad-value', message: `${field} must be one of: ${allowed.map(String).join(', ')}`, target: 'value' };
    }
    case 'exclusiveMinimum':
      return { code: 'too-small', message: `${field} must be more than ${limit}${forAction} (it is ${String(e.data)})`, target: 'value' };
    case 'minimum':
      return { code: 'too-small', message: `${field} must be at least ${limit}${forAction} (it is ${String(e.data)})`, target: 'value' };
    case 'maximum':
    case 'exclusiveMaximum':
      return { code: 'too-large', message: `${field} must be at most ${limit}${forAction} (it is ${String(e.data)})`, target: 'value' };
    case 'minLength':
      return limit === 1
        ? { code: 'too-short', message: `${field} must not be empty${forAction}`, target: 'value' }
        : { code: 'too-short', message: `${field} must be at least ${limit} characters${forAction}`, target: 'value' };
    case 'maxLength':
      return {
        code: 'too-long',
        message: `${field} is too long${forAction}: ${String(e.data).length} characters, at most ${limit} allowed`,
        target: 'value',
      };
    case 'minItems':
      if (fieldName(path) === 'split') return { code: 'too-short', message: '`split` needs at least 2 branches, each with a `weight` and `then`', target: 'value' };
      return {
        code: 'too-short',
        message: fieldName(path) === 'then' || fieldName(path) === 'fallback' ? `${field} needs at least one action` : `${field} must not be an empty list`,
        target: 'value',
      };
    case 'minProperties':
      return context === 'action'
        ? { code: 'too-short', message: `empty action: write one of ${ACTIONS.join(', ')}`, target: 'value' }
        : { code: 'too-short', message: `${field} is empty: write a value, a list, or one operator (prefix, regex, not)`, target: 'value' };
    case 'maxProperties':
      if (context === 'action') {
        const names = Object.keys((e.data as object) ?? {}).join('`, `');
        return { code: 'bad-value', message: `one action per list item: put \`${names}\` on separate lines, each starting with \`- \``, target: 'value' };
      }
      if (fieldName(path) === 'hangup') return { code: 'bad-value', message: '`hangup` takes no settings: write `- hangup`', target: 'value' };
      return { code: 'bad-value', message: `${field} may use only one operator (prefix, regex or not); to require several, use a list or \`not\``, target: 'value' };
    case 'pattern':
      if (e.propertyName !== undefined && path[0] === 'menus' && path[path.length - 1] === 'options') {
        const hash = e.propertyName.includes('#') ? ': # ends what the caller types, so it cannot be a choice' : '';
        return { code: 'bad-value', message: `option "${e.propertyName}" must be keys a caller can press: digits and *, up to 25${hash}`, target: 'key' };
      }
      if (e.propertyName !== undefined && path.length === 1 && path[0] === 'menus') {
        return { code: 'bad-value', message: `the menu name "${e.propertyName}" may use only letters, digits, - and _ (at most 40 characters)`, target: 'key' };
      }
      if (e.propertyName !== undefined) {
        return { code: 'bad-value', message: `the name "${e.propertyName}" may use only letters, digits, - and _ (at most 64 characters)`, target: 'key' };
      }
      if (fieldName(path) === 'id') {
        return { code: 'bad-id', message: `\`id\` may use only letters, digits, - and _ (at most 64 characters): "${String(e.data)}"`, target: 'value' };
      }
      return { code: 'bad-value', message: `${field} has the wrong format`, target: 'value' };
    default:
      return { code: 'bad-value', message: `${field} ${e.message ?? 'is not valid'}`, target: 'value' };
  }
}

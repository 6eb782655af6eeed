import { COLLECTION_STYLE, EVENT_ID, SCALAR_STYLE, getScalarValue, parseEvents, type Event } from 'js-yaml';
import type { Position } from '../diagnostics/diagnostic.js';
import { NUMBER_THAT_IS_TEXT, parseYaml, type ParsedFile, type SourceFile, type YamlPath } from './parse-yaml.js';

/**
 * Files smaller than this (about 300 rules) always take the reference path, `yaml`, where the
 * fast path would save little. Big files, usually generated, are where `yaml` needs seconds:
 * 9-17 s for 100k rules in one file, and as much when they are split into 100 files.
 */
export const FAST_PARSE_MIN_BYTES = 64 * 1024;

/** `parseYaml`, through the fast path for big files when it can vouch for the same result. */
export function parseRulesYaml(source: SourceFile): ParsedFile {
  return (source.text.length >= FAST_PARSE_MIN_BYTES && parseYamlFast(source)) || parseYaml(source);
}

// The YAML 1.2 core schema exactly as the `yaml` package resolves plain scalars (same order).
const PLAIN_TAGS: readonly [RegExp, (s: string) => unknown][] = [
  [/^(?:~|[Nn]ull|NULL)?$/, () => null],
  [/^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/, (s) => s[0] === 't' || s[0] === 'T'],
  [/^0o[0-7]+$/, (s) => parseInt(s.substring(2), 8)],
  [/^[-+]?[0-9]+$/, (s) => parseInt(s, 10)],
  [/^0x[0-9a-fA-F]+$/, (s) => parseInt(s.substring(2), 16)],
  [/^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/, (s) => (s.slice(-3).toLowerCase() === 'nan' ? NaN : s[0] === '-' ? -Infinity : Infinity)],
  [/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/, (s) => parseFloat(s)],
  [/^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/, (s) => parseFloat(s)],
];

/** Whether a plain scalar starting with char code `c` may be a null, boolean or number: only these start one of PLAIN_TAGS. */
function mayNotBeText(c: number): boolean {
  // ~ + - . 0-9 n N t T f F
  return c === 0x7e || c === 0x2b || c === 0x2d || c === 0x2e || (c >= 0x30 && c <= 0x39) || c === 0x6e || c === 0x4e || c === 0x74 || c === 0x54 || c === 0x66 || c === 0x46;
}

function resolvePlain(value: string): unknown {
  // Most scalars of a rules file (ids, refIds, key names) are text from their first char: no need to try eight patterns.
  if (value.length > 0 && !mayNotBeText(value.charCodeAt(0))) return value;
  for (const [test, resolve] of PLAIN_TAGS) {
    if (test.test(value)) {
      const resolved = resolve(value);
      // Same rule as parseYaml: `+6591234567` and `0065…` stay text.
      return typeof resolved === 'number' && NUMBER_THAT_IS_TEXT.test(value) ? value : resolved;
    }
  }
  return value;
}

type Frame = { kind: 'map'; value: Record<string, unknown>; key: string | undefined; flowStart: number; isRoot: boolean } | { kind: 'seq'; value: unknown[]; flowStart: number; isRules: boolean };

/** Thrown inside the walk when the fast path cannot promise the same result as `yaml`. */
class NotSure extends Error {}

/**
 * Builds the same data as `parseYaml` from js-yaml's event stream (about 5x faster), keeping
 * the offset of every rule so rule positions match. Returns undefined, and the caller uses
 * `parseYaml`, whenever the result might differ or there is anything to report: syntax
 * errors, duplicate keys, tags, anchors, aliases, directives, multi-line flow collections
 * (`yaml` may warn about their indentation), several documents. Any position other than a
 * rule's start is looked up by parsing with `yaml` on first use, so diagnostics are the
 * exact ones `validate` prints.
 */
export function parseYamlFast(source: SourceFile): ParsedFile | undefined {
  const { text } = source;
  if (text.charCodeAt(0) === 0xfeff) return undefined;
  let events: Event[];
  try {
    events = parseEvents(text, {});
  } catch {
    return undefined;
  }
  let built: { data: unknown; ruleStarts: number[] };
  try {
    built = construct(text, events);
  } catch (e) {
    if (e instanceof NotSure) return undefined;
    throw e;
  }

  let exact: ParsedFile | undefined;
  let lineStarts: number[] | undefined;
  const at = (offset: number): Position => {
    lineStarts ??= computeLineStarts(text);
    let low = 0;
    let high = lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (lineStarts[mid]! <= offset) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, col: offset - lineStarts[low]! + 1 };
  };
  const locate = (path: YamlPath, target: 'key' | 'value' = 'value'): Position => {
    if (target === 'value' && path.length === 2 && path[0] === 'rules' && typeof path[1] === 'number') {
      const offset = built.ruleStarts[path[1]];
      if (offset !== undefined) return at(offset);
    }
    exact ??= parseYaml(source);
    return exact.locate(path, target);
  };
  return { file: source.file, data: built.data, diagnostics: [], locate };
}

function construct(text: string, events: Event[]): { data: unknown; ruleStarts: number[] } {
  const stack: Frame[] = [];
  const ruleStarts: number[] = [];
  let documents = 0;
  let data: unknown;
  let lastEnd = 0;

  const attach = (value: unknown, start: number): void => {
    const top = stack[stack.length - 1];
    if (!top) {
      data = value;
      return;
    }
    if (top.kind === 'seq') {
      if (top.isRules) ruleStarts.push(start);
      top.value.push(value);
      return;
    }
    if (top.key === undefined) throw new NotSure('a mapping key that is not text');
    top.value[top.key] = value;
    top.key = undefined;
  };

  for (const e of events) {
    switch (e.type) {
      case EVENT_ID.DOCUMENT:
        if (++documents > 1 || e.directives.length > 0) throw new NotSure('directives or several documents');
        break;
      case EVENT_ID.ALIAS:
        throw new NotSure('alias');
      case EVENT_ID.SCALAR: {
        if (e.anchorStart !== -1 || e.tagStart !== -1) throw new NotSure('anchor or tag');
        const value = getScalarValue(text, e);
        const quoted = e.style === SCALAR_STYLE.SINGLE_QUOTED || e.style === SCALAR_STYLE.DOUBLE_QUOTED;
        if (e.valueEnd >= 0) lastEnd = e.valueEnd + (quoted ? 1 : 0);
        const top = stack[stack.length - 1];
        if (top?.kind === 'map' && top.key === undefined) {
          const key = e.style === SCALAR_STYLE.PLAIN ? resolvePlain(value) : value;
          // Non-text keys, merge keys and `__proto__` behave differently across libraries.
          if (typeof key !== 'string' || key === '<<' || key === '__proto__' || Object.hasOwn(top.value, key)) throw new NotSure('unusual or duplicate key');
          top.key = key;
          break;
        }
        if (top?.kind === 'seq' && top.isRules) throw new NotSure('a rule that is not a mapping');
        attach(e.style === SCALAR_STYLE.PLAIN ? resolvePlain(value) : value, e.valueStart);
        break;
      }
      case EVENT_ID.SEQUENCE:
      case EVENT_ID.MAPPING: {
        if (e.anchorStart !== -1 || e.tagStart !== -1) throw new NotSure('anchor or tag');
        const parent = stack[stack.length - 1];
        if (parent?.kind === 'map' && parent.key === undefined) throw new NotSure('a collection as a key');
        const flowStart = e.style === COLLECTION_STYLE.FLOW ? e.start : -1;
        if (e.type === EVENT_ID.MAPPING) {
          if (parent?.kind === 'seq' && parent.isRules && flowStart !== -1) throw new NotSure('a rule written as a flow mapping');
          const value: Record<string, unknown> = {};
          attach(value, e.start);
          stack.push({ kind: 'map', value, key: undefined, flowStart, isRoot: parent === undefined });
        } else {
          if (parent?.kind === 'seq' && parent.isRules) throw new NotSure('a rule that is not a mapping');
          const value: unknown[] = [];
          const isRules = parent?.kind === 'map' && parent.isRoot && parent.key === 'rules';
          attach(value, e.start);
          stack.push({ kind: 'seq', value, flowStart, isRules });
        }
        break;
      }
      case EVENT_ID.POP: {
        const frame = stack.pop();
        if (frame && frame.flowStart !== -1) {
          const close = closingBracket(text, Math.max(lastEnd, frame.flowStart + 1));
          if (close < 0 || text.slice(frame.flowStart, close).includes('\n')) throw new NotSure('a multi-line flow collection');
          lastEnd = close + 1;
        }
        if (frame?.kind === 'map' && frame.key !== undefined) throw new NotSure('a key without a value');
        break;
      }
    }
  }
  if (documents !== 1 || data === undefined) throw new NotSure('no document');
  return { data, ruleStarts };
}

/** Offset of the `]` or `}` that closes a flow collection whose last item ended at `from`. */
function closingBracket(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === ']' || c === '}') return i;
    if (c !== ' ' && c !== ',' && c !== '\n' && c !== '\r' && c !== '\t') return -1;
  }
  return -1;
}

function computeLineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

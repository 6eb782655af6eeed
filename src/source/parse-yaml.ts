import { LineCounter, isMap, isPair, isScalar, isSeq, parseDocument, visit } from 'yaml';
import type { Node, Pair, Scalar } from 'yaml';
import { error, warning, type Diagnostic, type Position } from '../diagnostics/diagnostic.js';
import { yamlSlipHint } from './yaml-slip-hints.js';

export type YamlPath = readonly (string | number)[];

/** One rules or settings file as read from disk: its name for messages and its text. */
export interface SourceFile {
  /** Relative to the rules folder, with forward slashes. */
  file: string;
  text: string;
}

export interface ParsedFile {
  file: string;
  data: unknown;
  diagnostics: Diagnostic[];
  /** Where the node at `path` starts; `key` points at the key of a mapping entry instead of its value. */
  locate(path: YamlPath, target?: 'key' | 'value'): Position;
}

// A plain scalar that YAML reads as a number but that is really a phone number or code:
// `+6591234567` would lose its `+`, `0065…` its zeros. We keep exactly what the author typed.
export const NUMBER_THAT_IS_TEXT = /^(?:\+\d+|0\d+|\d{7,})$/;

/** `yaml`'s bound on how far aliases may multiply the data; beyond it is an alias bomb, not a rules file. */
const MAX_ALIAS_COUNT = 50;

const YAML_HINTS: Record<string, string> = {
  DUPLICATE_KEY: 'the same key appears twice in one block; keep only one',
  TAB_AS_INDENT: 'indent with spaces, not tabs',
  BAD_INDENT: 'the indentation is off; line this up with the lines above it',
  MISSING_CHAR: 'a closing quote or bracket is missing',
  MULTILINE_IMPLICIT_KEY: 'a key must fit on one line; check for a missing `:` or quote on the line above',
  BLOCK_AS_IMPLICIT_KEY: 'a key must fit on one line; check for a missing `:` or quote on the line above',
};

export function parseYaml(source: SourceFile): ParsedFile {
  const lineCounter = new LineCounter();
  // A byte-order mark (Windows editors) is not a column: positions count from the text after it.
  const text = source.text.replace(/^\uFEFF/, '');
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const diagnostics: Diagnostic[] = [];
  const at = (offset: number, endOffset?: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    if (endOffset === undefined || endOffset <= offset) return { line, col };
    const end = lineCounter.linePos(endOffset);
    return { line, col, endLine: end.line, endCol: end.col };
  };

  // After the first syntax error the parser is guessing, and later errors are usually echoes of it.
  for (const e of [...doc.errors.slice(0, 1), ...doc.warnings]) {
    const pos = at(e.pos[0], e.pos[1]);
    const detail = e.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? e.message;
    const code = e.code === 'DUPLICATE_KEY' ? 'yaml-duplicate-key' : 'yaml-syntax';
    const slip = e.name === 'YAMLParseError' ? yamlSlipHint(e.code, detail, text, pos) : undefined;
    const hint = YAML_HINTS[e.code];
    const message = slip ? `YAML syntax: ${slip.message}` : hint ? `YAML syntax: ${hint} (${detail})` : `YAML syntax: ${detail}`;
    diagnostics.push((e.name === 'YAMLWarning' ? warning : error)(code, message, { file: source.file, ...(slip ? slip.at : pos) }));
  }

  visit(doc, {
    Scalar(_key, node: Scalar) {
      if (node.type !== 'PLAIN' || typeof node.value !== 'number' || !node.range) return;
      const raw = text.slice(node.range[0], node.range[1]);
      if (NUMBER_THAT_IS_TEXT.test(raw)) node.value = raw;
    },
  });

  let data: unknown;
  if (!diagnostics.some((d) => d.severity === 'error')) {
    try {
      data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (e) {
      // `yaml` throws when aliases expand to far more than the file holds ("billion laughs").
      if (!(e instanceof ReferenceError)) throw e;
      let first = 0;
      visit(doc, {
        Alias: (_key, node) => {
          first = node.range?.[0] ?? 0;
          return visit.BREAK;
        },
      });
      diagnostics.push(
        error('yaml-syntax', `YAML syntax: the aliases in this file (\`*name\`, repeating an \`&name\` anchor) expand to far more than the file holds (an alias bomb); write the values out, or use fewer aliases`, {
          file: source.file,
          ...at(first),
        }),
      );
    }
  }

  const locate = (path: YamlPath, target: 'key' | 'value' = 'value'): Position => {
    let node: unknown = doc.contents;
    let lastPair: Pair | undefined;
    for (const segment of path) {
      let next: unknown;
      lastPair = undefined;
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
        if (pair) {
          lastPair = pair;
          next = pair.value ?? pair.key;
        }
      } else if (isSeq(node) && typeof segment === 'number') {
        next = node.items[segment];
      }
      if (next === undefined) break;
      node = next;
    }
    const targetNode = target === 'key' && lastPair && isPair(lastPair) ? (lastPair.key as Node) : (node as Node | null);
    const range = targetNode?.range;
    // A scalar's span is underlined; a block (a whole rule) is pointed at where it starts.
    if (!range) return at(0);
    return isScalar(targetNode) ? at(range[0], range[1]) : at(range[0]);
  };

  return { file: source.file, data, diagnostics, locate };
}

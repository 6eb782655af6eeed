import { readSchema } from '../source/read-schema.js';
import { DAY_NAMES, knownTimezones } from './compile-time.js';

/**
 * The schemas a rules folder's files point at, as editors get them (`GET /schema/NAME.schema.json`,
 * `validate --write-schema DIR`): schema/ plus what only an editor needs, because validate checks
 * it itself with better words (compile-time.ts, compile-actions.ts). The extra checks use
 * yaml-language-server's `errorMessage`, so the editor says what validate says.
 */
export const PUBLISHED_SCHEMAS = ['rules', 'settings', 'pools', 'rule-tests'] as const;
export type PublishedSchema = (typeof PUBLISHED_SCHEMAS)[number];

export function isPublishedSchema(file: string): file is `${PublishedSchema}.schema.json` {
  return (PUBLISHED_SCHEMAS as readonly string[]).some((name) => file === `${name}.schema.json`);
}

type Json = Record<string, unknown>;

/** schema/NAME.schema.json with the editor's extra checks (only the rules schema has any). */
export function publishedSchema(name: PublishedSchema): Json {
  const schema = readSchema(name);
  if (name === 'rules') addEditorChecks(schema);
  return schema;
}

const HOURS_WORDS = 'write hours as HH:MM-HH:MM on a 24-hour clock, like "09:00-18:00" or "22:00-06:00"';
const HANGUP_WORDS = '`hangup` ends the call, so it must be the last action: move it to the end or remove the actions after it';
/** Lists longer than this are not checked for a hangup in the middle (the schema needs one branch per position). */
const HANGUP_POSITIONS = 12;

function addEditorChecks(schema: Json): void {
  const definitions = schema.definitions as Record<string, Json>;
  const window = (definitions.timeWindow!.properties as Record<string, Json>)!;

  window.timezone = {
    ...window.timezone,
    enum: knownTimezones(),
    errorMessage: 'not a timezone: use an IANA timezone name like Asia/Singapore, Europe/London or America/New_York',
  };
  const time = `(?:(?:[01]?\\d|2[0-3]):[0-5]\\d)`;
  const hours = { pattern: `^\\s*${time}\\s*-\\s*(?:${time}|24:00)\\s*$`, errorMessage: HOURS_WORDS };
  const day = `(?:${Object.keys(DAY_NAMES)
    .sort((a, b) => b.length - a.length)
    .map(anyCase)
    .join('|')})`;
  const token = `${day}(?:\\s*-\\s*${day})?`;
  const days = { pattern: `^\\s*${token}(?:\\s*,\\s*${token})*\\s*$`, errorMessage: `use day names (${['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].join(', ')}); a range is written mon-fri` };
  window.hours = withTextCheck(window.hours!, hours);
  window.days = withTextCheck(window.days!, days);

  // "Hangup at position i, with something after it": one if/then per position, as a schema has no "last".
  const isHangup = { anyOf: [{ const: 'hangup' }, { type: 'object', required: ['hangup'] }] };
  const actions = definitions.actions!;
  actions.allOf = Array.from({ length: HANGUP_POSITIONS }, (_, i) => ({
    if: { type: 'array', minItems: i + 2, items: [...Array.from({ length: i }, () => ({})), isHangup] },
    then: { items: [...Array.from({ length: i }, () => ({})), { type: 'null', errorMessage: HANGUP_WORDS }] },
  }));
}

/** `{ anyOf: [text, [text]] }` with `check` on the text and on each item of the list. */
function withTextCheck(property: Json, check: Json): Json {
  const [text, list] = property.anyOf as [Json, Json & { items: Json }];
  return {
    ...property,
    anyOf: [
      { ...text, ...check },
      { ...list, items: { ...list.items, ...check } },
    ],
  };
}

/** "mon" → "[Mm][Oo][Nn]": JSON Schema patterns have no case-insensitive flag. */
function anyCase(word: string): string {
  return [...word].map((c) => `[${c.toUpperCase()}${c}]`).join('');
}

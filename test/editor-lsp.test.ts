import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateCommand } from '../src/cli/validate-command.js';
import { capture } from './helpers/capture.js';
import { build, VOICE } from './helpers/rules.js';
import { startYamlLanguageServer, type LspClient, type LspDiagnostic } from './helpers/lsp-client.js';

// The real yaml-language-server (what VS Code's YAML extension runs), driven over LSP on fixture
// files that point at the schema with a relative `# yaml-language-server: $schema=` line.
const FIXTURES = 'test/fixtures/editor';
const uriOf = (name: string) => pathToFileURL(resolve(FIXTURES, name)).href;
let lsp: LspClient;
const opened = new Map<string, Promise<string[]>>();
const diagnosticsOf = (name: string) => {
  let found = opened.get(name);
  if (!found) {
    found = lsp.open(uriOf(name), readFileSync(resolve(FIXTURES, name), 'utf8')).then((ds) => ds.map((d) => `${d.range.start.line + 1}:${d.range.start.character + 1} ${d.message}`));
    opened.set(name, found);
  }
  return found;
};

beforeAll(async () => {
  lsp = await startYamlLanguageServer();
}, 120_000);
afterAll(async () => {
  await lsp?.close();
});

describe('the editor agrees with validate', () => {
  it.each([
    ['a misspelt action is one clear message', 'misspelt-action.yaml', ['5:9 Property sya is not allowed.']],
    ['an unquoted makeCall number (YAML reads a number) is accepted, as validate accepts it', 'unquoted-number.yaml', []],
    ['a PIN menu (`ask: pin`, no `options`) is accepted, as validate accepts it', 'pin-menu.yaml', []],
  ])(
    '%s',
    async (_what, file, expected) => {
      expect(await diagnosticsOf(file)).toEqual(expected);
    },
    120_000,
  );

  it.each([
    ['callStatus', 4, 18, ['CALL_RECEIVED', 'ACTION_COMPLETED']],
    ['callDirection', 5, 21, ['INBOUND', 'OUTBOUND']],
  ])(
    'completes real values for %s, never [object Object]',
    async (_field, line, character, values) => {
      await diagnosticsOf('block-map.yaml');
      const labels = await lsp.complete(uriOf('block-map.yaml'), line, character);
      expect(labels).toEqual(expect.arrayContaining(values));
      expect(labels.join(' ')).not.toContain('[object Object]');
    },
    120_000,
  );

  it.each([
    ['ask', 7, 9, ['pin']],
    ['connect', 8, 13, ['first-party', 'second-party']],
  ])(
    "completes a PIN menu's %s",
    async (_field, line, character, values) => {
      await diagnosticsOf('pin-menu-values.yaml');
      expect(await lsp.complete(uriOf('pin-menu-values.yaml'), line, character)).toEqual(expect.arrayContaining(values));
    },
    120_000,
  );

  it('completes field names inside a { } map', async () => {
    await diagnosticsOf('flow-map.yaml');
    expect(await lsp.complete(uriOf('flow-map.yaml'), 3, 12)).toEqual(expect.arrayContaining(['source', 'destinationRefId', 'time']));
  }, 120_000);

  it('completes values inside a { } map too: `{ callStatus: , ... }`', async () => {
    await diagnosticsOf('flow-map.yaml');
    expect(await lsp.complete(uriOf('flow-map.yaml'), 3, 24)).toEqual(expect.arrayContaining(['CALL_RECEIVED', 'ACTION_COMPLETED']));
  }, 120_000);
});

// The schemas as published for rules folders outside this repository (`validate --write-schema`),
// with the checks only an editor needs: timezones, days, hours, hangup last.
describe('the published schemas (validate --write-schema) agree with validate', () => {
  const PUBLISHED = 'test/fixtures/editor-published';
  let schemaDir: string;
  const texts = new Map<string, Promise<LspDiagnostic[]>>();
  const uri = (name: string) => pathToFileURL(resolve(schemaDir, name)).href;
  const open = (name: string) => {
    let found = texts.get(name);
    if (!found) {
      const text = readFileSync(resolve(PUBLISHED, name), 'utf8').replace('SCHEMA_DIR', pathToFileURL(schemaDir).href);
      found = lsp.open(uri(name), text);
      texts.set(name, found);
    }
    return found;
  };
  const shown = async (name: string) => (await open(name)).map((d) => `${d.range.start.line + 1}:${d.range.start.character + 1} ${d.message}`);

  beforeAll(async () => {
    schemaDir = await mkdtemp(join(tmpdir(), 'router-schemas-'));
    const out = capture();
    expect(await validateCommand(['--write-schema', schemaDir], out, capture())).toBe(0);
  });
  afterAll(async () => {
    if (schemaDir) await rm(schemaDir, { recursive: true, force: true });
  });

  /** validate's diagnostics for a fixture, as `line:col message` (the same file, through the real loader). */
  const validated = (name: string) => {
    const text = readFileSync(resolve(PUBLISHED, name), 'utf8');
    return build({ [name]: text }, `voiceProfile: ${VOICE}\n`).diagnostics.map((d) => `${d.line}:${d.col} ${d.message}`);
  };
  const lineOf = (shown: string) => shown.split(':')[0];

  it.each([
    [
      'a misspelt timezone, day and hours (and none for Asia/Kolkata, Mon, "sat,sun", fri-mon, 22:00-24:00)',
      'time-window.yaml',
      [
        '5:25 not a timezone: use an IANA timezone name like Asia/Singapore, Europe/London or America/New_York',
        '5:46 use day names (mon, tue, wed, thu, fri, sat, sun); a range is written mon-fri',
        '5:64 write hours as HH:MM-HH:MM on a 24-hour clock, like "09:00-18:00" or "22:00-06:00"',
      ],
    ],
    ['a hangup before other actions (and none for a hangup last)', 'hangup-order.yaml', ['6:9 `hangup` ends the call, so it must be the last action: move it to the end or remove the actions after it']],
  ])(
    'underlines %s, on the lines validate reports',
    async (_what, file, expected) => {
      const editor = await shown(file);
      expect(editor).toEqual(expected);
      expect(validated(file).map(lineOf)).toEqual(editor.map(lineOf));
    },
    120_000,
  );

  it('says what validate says about hangup, in the same words', async () => {
    expect(validated('hangup-order.yaml')).toEqual([expect.stringContaining((await shown('hangup-order.yaml'))[0]!.slice('6:9 '.length))]);
  }, 120_000);

  it.each([
    ['callStatus in `when: { callStatus: }`', 3, 24, ['CALL_RECEIVED', 'ACTION_COMPLETED']],
    ['timezone in `time: { timezone: }`', 7, 24, ['Asia/Singapore', 'Europe/London', 'UTC']],
    ['callDirection before a comma: `{ callDirection: , callStatus: }`', 10, 27, ['INBOUND', 'OUTBOUND']],
    ['callStatus last in the same map', 10, 41, ['CALL_RECEIVED', 'ACTION_COMPLETED']],
  ])(
    'completes values inside a { } map: %s',
    async (_what, line, character, values) => {
      await open('empty-flow-map.yaml');
      expect(await lsp.complete(uri('empty-flow-map.yaml'), line, character)).toEqual(expect.arrayContaining(values));
    },
    120_000,
  );

  it('offers the right action names as quick fixes for a misspelt one', async () => {
    const [misspelt, ...others] = await open('misspelt-key.yaml');
    expect(others).toEqual([]);
    expect(misspelt!.message).toBe('Property sya is not allowed.');
    expect(await lsp.quickFixes(uri('misspelt-key.yaml'), misspelt!)).toEqual(['say', 'playFile', 'makeCall', 'hangup', 'split', 'sayAndCapture', 'menu']);
  }, 120_000);
});

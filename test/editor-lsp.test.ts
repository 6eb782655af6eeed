import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startYamlLanguageServer, type LspClient } from './helpers/lsp-client.js';

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
  ])('%s', async (_what, file, expected) => {
    expect(await diagnosticsOf(file)).toEqual(expected);
  }, 120_000);

  it.each([
    ['callStatus', 4, 18, ['CALL_RECEIVED', 'ACTION_COMPLETED']],
    ['callDirection', 5, 21, ['INBOUND', 'OUTBOUND']],
  ])('completes real values for %s, never [object Object]', async (_field, line, character, values) => {
    await diagnosticsOf('block-map.yaml');
    const labels = await lsp.complete(uriOf('block-map.yaml'), line, character);
    expect(labels).toEqual(expect.arrayContaining(values));
    expect(labels.join(' ')).not.toContain('[object Object]');
  }, 120_000);

  it.each([
    ['ask', 7, 9, ['pin']],
    ['connect', 8, 13, ['first-party', 'second-party']],
  ])("completes a PIN menu's %s", async (_field, line, character, values) => {
    await diagnosticsOf('pin-menu-values.yaml');
    expect(await lsp.complete(uriOf('pin-menu-values.yaml'), line, character)).toEqual(expect.arrayContaining(values));
  }, 120_000);

  it('completes field names inside a { } map', async () => {
    await diagnosticsOf('flow-map.yaml');
    expect(await lsp.complete(uriOf('flow-map.yaml'), 3, 12)).toEqual(expect.arrayContaining(['source', 'destinationRefId', 'time']));
  }, 120_000);
});

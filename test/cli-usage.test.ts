import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../src/cli/run.js';
import { capture } from './helpers/capture.js';

const DESK = 'test/fixtures/support-desk/rules';
const dir = mkdtempSync(join(tmpdir(), 'cli-usage-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const out = capture();
  const err = capture();
  const code = await run(argv, out, err, env);
  return { code, out: out.text, err: err.text, firstLine: err.text.split('\n')[0] };
}

describe('a mistake on the command line is a usage error (exit 2) in plain words', () => {
  it.each([
    ['a misspelt flag', ['validate', DESK, '--strictt'], {}, 'error: unknown option --strictt for validate; did you mean --strict?'],
    ['a flag far from any', ['validate', DESK, '--verbose'], {}, 'error: unknown option --verbose for validate: its options are --strict, --format, --compare, --at, --write-schema, --write-rules-cache'],
    ['a flag without its value', ['validate', DESK, '--format'], {}, 'error: --format needs a value, like --format VALUE'],
    ['a value for a switch', ['validate', DESK, '--strict=yes'], {}, 'error: --strict takes no value'],
    ['a misspelt simulate flag', ['simulate', 'destinationRefId=vn-ref-1', '--explian'], {}, 'error: unknown option --explian for simulate; did you mean --explain?'],
    ['a misspelt serve flag', ['serve', '--prot', '3000'], {}, 'error: unknown option --prot for serve; did you mean --port?'],
    [
      'npm run validate without --',
      ['validate', DESK],
      { npm_lifecycle_event: 'validate', npm_config_strict: 'true' },
      'error: npm kept --strict for itself, so validate never saw it: put -- after the script name, like `npm run validate -- rules --strict`',
    ],
    [
      'npm run simulate without --',
      ['simulate', 'destinationRefId=vn-ref-1'],
      { npm_lifecycle_event: 'simulate', npm_config_explain: 'true' },
      'error: npm kept --explain for itself, so simulate never saw it: put -- after the script name, like `npm run simulate -- rules --explain`',
    ],
    ['a misspelt field', ['simulate', 'sourceCountry=SG', '--rules', DESK], {}, 'error: unknown field `sourceCountry`; did you mean `sourceCountryCode`?'],
    [
      'a field far from any',
      ['simulate', 'colour=red', '--rules', DESK],
      {},
      'error: unknown field `colour`: the fields of a call are eventId, callId, sessionId, subAccountId, callStatus, callDirection, callType, source, destination, sourceFormat, destinationFormat, sourceCountryCode, destinationCountryCode, sourceRefId, destinationRefId, clientActionId, callDuration, sipCode, dtmf, eventData, timestamp',
    ],
  ])('%s', async (_what, argv, env, message) => {
    const { code, firstLine } = await cli(argv, env);
    expect(firstLine).toBe(message);
    expect(code).toBe(2);
  });

  it('npm settings are not read outside `npm run validate`', async () => {
    const { code } = await cli(['validate', DESK], { npm_lifecycle_event: 'test', npm_config_strict: 'true' });
    expect(code).toBe(0);
  });
});

describe('simulate takes a JSON file in either shape, whole or partial', () => {
  const write = (name: string, body: unknown) => {
    const file = join(dir, name);
    writeFileSync(file, JSON.stringify(body));
    return file;
  };
  it.each([
    ['a bare partial payload', { destinationRefId: 'vn-ref-2', clientActionId: 'main-menu', dtmf: '1' }],
    ['a partial payload inside "payload"', { payload: { destinationRefId: 'vn-ref-2', clientActionId: 'main-menu', dtmf: '1' } }],
    ['a whole event', { eventType: 'CALL_ACTION', payload: { destinationRefId: 'vn-ref-2', clientActionId: 'main-menu', dtmf: '1' } }],
  ])('%s', async (what, body) => {
    const { code, err, out } = await cli(['simulate', write(`${what.length}.json`, body), '--rules', DESK]);
    expect(err).toBe(`matched rule menu-sales (${DESK}/50-support.yaml:7:5)\n`);
    expect(JSON.parse(out).clientActionId).toBe('menu-sales');
    expect(code).toBe(0);
  });

  it('names a misspelt field in the file', async () => {
    const file = write('typo.json', { payload: { destinatonRefId: 'vn-ref-2' } });
    expect((await cli(['simulate', file, '--rules', DESK])).firstLine).toBe(`error: unknown field \`destinatonRefId\` in ${file}; did you mean \`destinationRefId\`?`);
  });

  it('the default caller is one no sample rule singles out', async () => {
    const { err } = await cli(['simulate', 'destinationRefId=vn-ref-1', '--rules', 'rules']);
    expect(err).toBe('matched rule everyone-else (rules/90-fallback.yaml:4:5)\n');
  });
});

import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { afterEach, describe, expect, it } from 'vitest';
import { UsageError } from '../src/cli/usage-error.js';
import { validateCommand } from '../src/cli/validate-command.js';
import { capture } from './helpers/capture.js';
import { spawnForTest } from './helpers/processes.js';
import { testServer } from './helpers/webhook-app.js';

const NAMES = ['rules', 'settings', 'pools', 'rule-tests'];
let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('schemas for rules folders outside this repository', () => {
  it('validate --write-schema DIR writes the four schemas the rule files use, and the server serves the same text', async () => {
    dir = await mkdtemp(join(tmpdir(), 'router-schemas-'));
    const out = capture();
    expect(await validateCommand(['--write-schema', join(dir, 'schemas')], out, capture())).toBe(0);
    expect(out.text).toBe(NAMES.map((n) => `wrote ${join(dir!, 'schemas', `${n}.schema.json`)}\n`).join(''));
    const { app } = await testServer();
    for (const name of NAMES) {
      const res = await app.request(`/schema/${name}.schema.json`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/schema+json');
      expect(JSON.parse(await res.text())).toEqual(JSON.parse(await readFile(join(dir, 'schemas', `${name}.schema.json`), 'utf8')));
    }
  });

  it('the written schemas are complete: settings.yaml and rule tests find the rules definitions beside them', async () => {
    dir = await mkdtemp(join(tmpdir(), 'router-schemas-'));
    await validateCommand(['--write-schema', dir], capture(), capture());
    // errorMessage is yaml-language-server's keyword: a plain validator is told to let it be.
    const ajv = new Ajv({ strict: false, allErrors: true });
    for (const name of NAMES) ajv.addSchema(JSON.parse(await readFile(join(dir, `${name}.schema.json`), 'utf8')));
    const settings = ajv.getSchema('settings.schema.json')!;
    expect(settings({ voiceProfile: 'en-US-ZiraRUS', fallback: [{ say: 'Sorry.' }, 'hangup'] })).toBe(true);
    expect(settings({ fallback: [{ sya: 'Sorry.' }] })).toBe(false);
  });

  it('offers every timezone this runtime knows, and UTC', async () => {
    const { app } = await testServer();
    const schema = (await (await app.request('/schema/rules.schema.json')).json()) as { definitions: { timeWindow: { properties: { timezone: { enum: string[] } } } } };
    const offered = schema.definitions.timeWindow.properties.timezone.enum;
    expect(offered).toEqual(expect.arrayContaining([...Intl.supportedValuesOf('timeZone'), 'UTC', 'Asia/Kolkata']));
  });

  it.each([
    ['GET', '/schema/config.schema.json', 404, 'no schema config.schema.json: the schemas are rules.schema.json, settings.schema.json, pools.schema.json, rule-tests.schema.json'],
    ['GET', '/schema/..%2Fpackage.json', 404, 'no schema ../package.json: the schemas are rules.schema.json, settings.schema.json, pools.schema.json, rule-tests.schema.json'],
    ['POST', '/schema/rules.schema.json', 405, 'use GET for /schema'],
  ])('%s %s answers %i in words', async (method, path, status, message) => {
    const { app } = await testServer();
    const res = await app.request(path, { method });
    expect(res.status).toBe(status);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe(message);
  });

  it('refuses a folder to check together with --write-schema', async () => {
    await expect(validateCommand(['rules', '--write-schema', '/tmp/x'], capture(), capture())).rejects.toThrow(
      new UsageError('--write-schema writes the schemas and checks no folder: drop rules, or run validate again without --write-schema'),
    );
  });

  it('the npm package ships schema/ beside dist/, where the installed router reads it', async () => {
    const child = spawnForTest('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { env: { ...process.env, npm_config_loglevel: 'silent' } });
    let text = '';
    child.stdout!.on('data', (c: Buffer) => (text += c));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
    const files = (JSON.parse(text) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
    const schemas = (await readdir('schema')).map((f) => `schema/${f}`);
    expect(files).toEqual(expect.arrayContaining(schemas));
    expect(files.filter((f) => !f.startsWith('dist/') && !f.startsWith('schema/')).sort()).toEqual(['README.md', 'package.json']);
  }, 60_000);
});

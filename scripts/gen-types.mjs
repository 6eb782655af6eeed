// Generates TypeScript types from the JSON Schemas in schema/, so the schemas stay the one
// source of truth for ajv, editors and the compiler. Output is not committed (see .gitignore).
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile } from 'json-schema-to-typescript';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const schemaDir = join(root, 'schema');
const outDir = join(root, 'src', 'types', 'generated');
const schemas = ['rules', 'settings', 'rule-tests', 'call-action', 'callflow', 'call-status', 'session-summary', 'config', 'pools', 'session-create', 'session-patch'];

await mkdir(outDir, { recursive: true });
for (const name of schemas) {
  const schema = JSON.parse(await readFile(join(schemaDir, `${name}.schema.json`), 'utf8'));
  const ts = await compile(schema, schema.title, {
    cwd: schemaDir,
    bannerComment: `/* Generated from schema/${name}.schema.json by scripts/gen-types.mjs. Do not edit. */`,
    additionalProperties: false,
    strictIndexSignatures: true,
    style: { singleQuote: true },
  });
  await writeFile(join(outDir, `${name}.ts`), ts);
}

import { readFileSync } from 'node:fs';

/** Reads schema/NAME.schema.json: the one source of truth shared by ajv, editors and the type generator. */
export function readSchema(name: string): Record<string, unknown> {
  const url = new URL(`../../schema/${name}.schema.json`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as Record<string, unknown>;
}

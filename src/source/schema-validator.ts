import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { readSchema } from './read-schema.js';

// ajv-formats is CommonJS; under NodeNext its function is reached as `.default` (set at runtime too).
const addFormats = addFormatsModule.default;

/**
 * What a validator is for. Files a person wrote (rules, settings, rule tests, server config) get
 * every error with its data, so messages can name each slip; events on the call path stop at the
 * first error.
 */
export type SchemaPurpose = 'files' | 'events';

const instances = new Map<SchemaPurpose, Ajv>();
const compiled = new Map<string, ValidateFunction>();

function ajvFor(purpose: SchemaPurpose): Ajv {
  let ajv = instances.get(purpose);
  if (!ajv) {
    const files = purpose === 'files';
    ajv = new Ajv({ allErrors: files, verbose: files, strict: true, allowUnionTypes: true });
    addFormats(ajv, ['date-time']);
    instances.set(purpose, ajv);
  }
  return ajv;
}

/**
 * The validator for schema/NAME.schema.json, compiled once per purpose. `refs` names the other
 * schemas it points into (`rules.schema.json#/definitions/...`), which are added first.
 */
export function schemaValidator<T>(purpose: SchemaPurpose, name: string, refs: readonly string[] = []): ValidateFunction<T> {
  const key = `${purpose}:${name}`;
  const known = compiled.get(key);
  if (known) return known as ValidateFunction<T>;
  const ajv = ajvFor(purpose);
  for (const ref of refs) if (!ajv.getSchema(`${ref}.schema.json`)) ajv.addSchema(readSchema(ref));
  const validate = ajv.getSchema<T>(`${name}.schema.json`) ?? ajv.compile<T>(readSchema(name));
  compiled.set(key, validate);
  return validate;
}

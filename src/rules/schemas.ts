import { Ajv, type ValidateFunction } from 'ajv';
import { readSchema } from '../source/read-schema.js';
import type { RulesFile } from '../types/generated/rules.js';
import type { Settings } from '../types/generated/settings.js';
import type { PoolsFile } from '../types/generated/pools.js';

const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true });
ajv.addSchema(readSchema('rules'));
ajv.addSchema(readSchema('settings'));
ajv.addSchema(readSchema('pools'));

export const validateRulesFile = ajv.getSchema('rules.schema.json') as ValidateFunction<RulesFile>;
export const validateSettings = ajv.getSchema('settings.schema.json') as ValidateFunction<Settings>;
export const validatePoolsFile = ajv.getSchema('pools.schema.json') as ValidateFunction<PoolsFile>;

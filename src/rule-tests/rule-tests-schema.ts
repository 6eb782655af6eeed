import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { readSchema } from '../source/read-schema.js';
import type { RuleTestsFile } from '../types/generated/rule-tests.js';

// ajv-formats is CommonJS; under NodeNext its function is reached as `.default` (set at runtime too).
const addFormats = addFormatsModule.default;

const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true });
addFormats(ajv, ['date-time']);
// A test's expected callflow is written like a rule's `then`, so it uses the rules schema's definition.
ajv.addSchema(readSchema('rules'));
ajv.addSchema(readSchema('rule-tests'));

export const validateRuleTestsFile = ajv.getSchema('rule-tests.schema.json') as ValidateFunction<RuleTestsFile>;

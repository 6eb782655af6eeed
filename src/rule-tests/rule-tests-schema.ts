import { schemaValidator } from '../source/schema-validator.js';
import type { RuleTestsFile } from '../types/generated/rule-tests.js';

// A test's expected callflow is written like a rule's `then`, so it uses the rules schema's definition.
export const validateRuleTestsFile = schemaValidator<RuleTestsFile>('files', 'rule-tests', ['rules']);

import { schemaValidator } from '../source/schema-validator.js';
import type { RulesFile } from '../types/generated/rules.js';
import type { Settings } from '../types/generated/settings.js';
import type { PoolsFile } from '../types/generated/pools.js';

export const validateRulesFile = schemaValidator<RulesFile>('files', 'rules');
export const validateSettings = schemaValidator<Settings>('files', 'settings', ['rules']);
export const validatePoolsFile = schemaValidator<PoolsFile>('files', 'pools');

import { readSchema } from './read-schema.js';

interface RulesSchema {
  definitions: {
    conditions: { properties: Record<string, unknown> };
    action: { anyOf: [{ properties: Record<string, unknown> }, ...unknown[]] };
  };
}

const { definitions } = readSchema('rules') as unknown as RulesSchema;

/** What a rule may test under `when:`, as schema/rules.schema.json says, so hints never fall behind it. */
export const CONDITION_FIELDS: readonly string[] = Object.keys(definitions.conditions.properties);

/** The actions a rule may take under `then:`, as schema/rules.schema.json says. */
export const ACTIONS: readonly string[] = Object.keys(definitions.action.anyOf[0].properties);

/** Who reads the message: a rule author looking at YAML, or someone reading a webhook's JSON. */
export type Audience = 'yaml' | 'json';

const TYPE_WORDS: Record<Audience, Record<string, string>> = {
  yaml: { string: 'text', number: 'a number', integer: 'a whole number', boolean: 'true or false', array: 'a list', object: 'a mapping (key: value lines)', null: 'empty' },
  json: { string: 'text', number: 'a number', integer: 'a whole number', boolean: 'true or false', array: 'a list', object: 'a JSON object', null: 'null' },
};

/** ajv's `type` param (`"string"`, `"string,array"` or a list) in words: "text or a list". */
export function typeWords(type: string | readonly string[], audience: Audience): string {
  const types = typeof type === 'string' ? type.split(',') : type;
  return types.map((t) => TYPE_WORDS[audience][t] ?? t).join(' or ');
}

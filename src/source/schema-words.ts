import type { ErrorObject } from 'ajv';

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

/** One field and one reason: what a 4xx answer says about a JSON body. */
export interface FieldProblem {
  message: string;
  /** Dotted path of the offending field, e.g. payload.source; `(body)` for the body itself. */
  field: string;
}

export interface DescribeOptions {
  /** What the body is, for messages: "event", "body". */
  noun: string;
  /** Said when the body itself is not the JSON object it must be (default: "the body <reason>"). */
  notAnObject?: string;
  /** Words for a case only this body has (e.g. a PIN's pattern); undefined = the common words. */
  reason?: (keyword: string, field: string, params: Record<string, unknown>) => string | undefined;
}

/** The first error ajv found in a JSON body, in words someone reading a webhook or API log can act on. */
export function describeJsonError(e: ErrorObject | undefined, options: DescribeOptions): FieldProblem {
  if (!e) return { message: `the ${options.noun} is not valid`, field: '(body)' };
  const base = e.instancePath.slice(1).split('/').filter(Boolean).join('.');
  const p = e.params as Record<string, unknown>;
  if (e.keyword === 'required' || e.keyword === 'additionalProperties') {
    const name = String(e.keyword === 'required' ? p.missingProperty : p.additionalProperty);
    const field = base ? `${base}.${name}` : name;
    return { message: e.keyword === 'required' ? `${field} is required` : `${field} is not a field of this ${options.noun === 'body' ? 'request' : options.noun}: check its spelling`, field };
  }
  if (!base && options.notAnObject) return { message: options.notAnObject, field: '(body)' };
  const field = base || '(body)';
  const reason = options.reason?.(e.keyword, field, p) ?? commonReason(e, p);
  return { message: field === '(body)' ? `the ${options.noun} ${reason}` : `${field} ${reason}`, field };
}

function commonReason(e: ErrorObject, p: Record<string, unknown>): string {
  switch (e.keyword) {
    case 'type':
      return `must be ${typeWords(p.type as string | string[], 'json')}`;
    case 'minLength':
      return p.limit === 1 ? 'must not be empty' : `must be at least ${String(p.limit)} characters`;
    case 'maxLength':
      return `is too long (at most ${String(p.limit)} characters)`;
    case 'minItems':
    case 'maxItems':
      return `must have ${e.keyword === 'minItems' ? 'at least' : 'at most'} ${String(p.limit)} items`;
    case 'minimum':
      return `must be at least ${String(p.limit)}`;
    case 'maximum':
      return `must be at most ${String(p.limit)}`;
    case 'const':
      return `must be ${JSON.stringify(p.allowedValue)}`;
    case 'enum':
      return `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'pattern':
      return 'has characters that are not allowed';
    default:
      return e.message ?? 'is not valid';
  }
}

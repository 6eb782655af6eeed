import type { ErrorObject } from 'ajv';
import { schemaValidator } from '../source/schema-validator.js';
import { typeWords } from '../source/schema-words.js';

export interface BodyProblem {
  message: string;
  /** Dotted path of the offending field, e.g. parties.1. */
  field: string;
}

/** A validator for a request body schema in schema/, answering one field and one reason. */
export function bodyValidator<T>(schemaName: string): (body: unknown) => { ok: true; value: T } | { ok: false; problem: BodyProblem } {
  // Like an event: the first error is the one answered.
  const validate = schemaValidator<T>('events', schemaName);
  return (body) => (validate(body) ? { ok: true, value: body } : { ok: false, problem: describe(validate.errors?.[0]) });
}

function describe(e: ErrorObject | undefined): BodyProblem {
  const base = (e?.instancePath ?? '').slice(1).split('/').filter(Boolean).join('.');
  if (!e) return { message: 'the body is not valid', field: '(body)' };
  const p = e.params as Record<string, unknown>;
  if (e.keyword === 'required') {
    const field = base ? `${base}.${String(p.missingProperty)}` : String(p.missingProperty);
    return { message: `${field} is required`, field };
  }
  if (e.keyword === 'additionalProperties') {
    const field = base ? `${base}.${String(p.additionalProperty)}` : String(p.additionalProperty);
    return { message: `${field} is not a field of this request: check its spelling`, field };
  }
  const field = base || '(body)';
  const reason = (() => {
    switch (e.keyword) {
      case 'type':
        return `must be ${typeWords(p.type as string | string[], 'json')}`;
      case 'minLength':
        return p.limit === 1 ? 'must not be empty' : `must be at least ${String(p.limit)} characters`;
      case 'maxLength':
        return `is too long (at most ${String(p.limit)} characters)`;
      case 'minItems':
      case 'maxItems':
        return p.limit === 2 ? 'must list exactly two numbers' : `must have ${e.keyword === 'minItems' ? 'at least' : 'at most'} ${String(p.limit)} items`;
      case 'minimum':
        return `must be at least ${String(p.limit)}`;
      case 'maximum':
        return `must be at most ${String(p.limit)}`;
      case 'minProperties':
        return 'must change something: give expiresAt, ttl, idleTtl, record or status';
      case 'pattern':
        return field === 'pin' ? 'must be digits only (1 to 12)' : 'has characters that are not allowed';
      case 'enum':
        return `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
      default:
        return e.message ?? 'is not valid';
    }
  })();
  return { message: field === '(body)' ? `the body ${reason}` : `${field} ${reason}`, field };
}

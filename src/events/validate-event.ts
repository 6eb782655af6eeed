import type { ErrorObject } from 'ajv';
import { schemaValidator } from '../source/schema-validator.js';
import { typeWords } from '../source/schema-words.js';

export interface FieldError {
  code: 'invalid-event';
  message: string;
  /** Dotted path of the offending field, e.g. payload.source. */
  field: string;
}

/** A validator for one of the event schemas in schema/. */
export function eventValidator<T>(schemaName: string): (body: unknown) => { ok: true; value: T } | { ok: false; error: FieldError } {
  const validate = schemaValidator<T>('events', schemaName);
  return (body) => (validate(body) ? { ok: true, value: body } : { ok: false, error: describe(validate.errors?.[0]) });
}

/** One field and one reason, in words someone reading a webhook log can act on. */
function describe(e: ErrorObject | undefined): FieldError {
  if (!e) return { code: 'invalid-event', message: 'the event is not valid', field: '' };
  const base = e.instancePath.slice(1).split('/').filter(Boolean).join('.');
  if (e.keyword === 'required') {
    const missing = (e.params as { missingProperty: string }).missingProperty;
    const field = base ? `${base}.${missing}` : missing;
    return { code: 'invalid-event', message: `${field} is required`, field };
  }
  if (!base) return { code: 'invalid-event', message: 'the body must be a JSON object: an 8x8 event with a payload', field: '(body)' };
  const limit = (e.params as { limit?: number }).limit;
  const reason = (() => {
    switch (e.keyword) {
      case 'type': {
        return `must be ${typeWords((e.params as { type: string | string[] }).type, 'json')}`;
      }
      case 'minLength':
        return limit === 1 ? 'must not be empty' : `must be at least ${limit} characters`;
      case 'maxLength':
        return `is too long (at most ${limit} characters)`;
      case 'const':
        return `must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}`;
      case 'enum':
        return `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
      default:
        return e.message ?? 'is not valid';
    }
  })();
  return { code: 'invalid-event', message: `${base} ${reason}`, field: base };
}

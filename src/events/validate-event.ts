import { schemaValidator } from '../source/schema-validator.js';
import { describeJsonError } from '../source/schema-words.js';

export interface FieldError {
  code: 'invalid-event';
  message: string;
  /** Dotted path of the offending field, e.g. payload.source. */
  field: string;
}

/** A validator for one of the event schemas in schema/: the first error, in words someone reading a webhook log can act on. */
export function eventValidator<T>(schemaName: string): (body: unknown) => { ok: true; value: T } | { ok: false; error: FieldError } {
  const validate = schemaValidator<T>('events', schemaName);
  return (body) =>
    validate(body)
      ? { ok: true, value: body }
      : { ok: false, error: { code: 'invalid-event', ...describeJsonError(validate.errors?.[0], { noun: 'event', notAnObject: 'the body must be a JSON object: an 8x8 event with a payload' }) } };
}

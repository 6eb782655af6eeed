import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { readSchema } from '../schemas/read-schema.js';

export interface FieldError {
  code: 'invalid-event';
  message: string;
  /** Dotted path of the offending field, e.g. payload.source. */
  field: string;
}

const ajv = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true });

/** A validator for one of the event schemas in schema/. */
export function eventValidator<T>(schemaName: string): (body: unknown) => { ok: true; value: T } | { ok: false; error: FieldError } {
  const validate = (ajv.getSchema(`${schemaName}.schema.json`) ?? ajv.compile(readSchema(schemaName))) as ValidateFunction<T>;
  return (body) => (validate(body) ? { ok: true, value: body } : { ok: false, error: describe(validate.errors?.[0]) });
}

function describe(e: ErrorObject | undefined): FieldError {
  if (!e) return { code: 'invalid-event', message: 'the event is not valid', field: '' };
  const base = e.instancePath.slice(1).split('/').filter(Boolean).join('.');
  if (e.keyword === 'required') {
    const missing = (e.params as { missingProperty: string }).missingProperty;
    const field = base ? `${base}.${missing}` : missing;
    return { code: 'invalid-event', message: `${field} is required`, field };
  }
  const field = base || '(body)';
  return { code: 'invalid-event', message: `${field} ${e.message ?? 'is not valid'}`, field };
}

import { schemaValidator } from '../source/schema-validator.js';
import { describeJsonError } from '../source/schema-words.js';

export interface BodyProblem {
  message: string;
  /** Dotted path of the offending field, e.g. parties.1. */
  field: string;
}

/** A validator for a request body schema in schema/, answering one field and one reason. */
export function bodyValidator<T>(schemaName: string): (body: unknown) => { ok: true; value: T } | { ok: false; problem: BodyProblem } {
  // Like an event: the first error is the one answered.
  const validate = schemaValidator<T>('events', schemaName);
  return (body) => (validate(body) ? { ok: true, value: body } : { ok: false, problem: describeJsonError(validate.errors?.[0], { noun: 'body', reason: sessionReason }) });
}

// The sessions API's own words, where the common ones would be vague.
function sessionReason(keyword: string, field: string, p: Record<string, unknown>): string | undefined {
  if ((keyword === 'minItems' || keyword === 'maxItems') && p.limit === 2) return 'must list exactly two numbers';
  if (keyword === 'minProperties') return 'must change something: give expiresAt, ttl, idleTtl, record or status';
  if (keyword === 'pattern' && field === 'pin') return 'must be digits only (1 to 12)';
  return undefined;
}

import type { ValidateFunction } from 'ajv';
import { hasErrors, type Diagnostic } from '../diagnostics/diagnostic.js';
import { explainSchemaErrors } from './explain-schema-errors.js';
import { parseYaml, type ParsedFile, type SourceFile } from './parse-yaml.js';

/**
 * A small YAML file (settings, server config) parsed and checked against its schema. Problems go
 * to `diagnostics` with file:line:col; the result is there only when there were none. An empty
 * file counts as `{}`.
 */
export function readValidatedYaml<T>(source: SourceFile, validate: ValidateFunction<T>, diagnostics: Diagnostic[]): { data: T; parsed: ParsedFile } | undefined {
  const parsed = parseYaml(source);
  diagnostics.push(...parsed.diagnostics);
  if (hasErrors(parsed.diagnostics)) return undefined;
  const data: unknown = parsed.data ?? {};
  if (!validate(data)) {
    diagnostics.push(...explainSchemaErrors(validate.errors ?? [], parsed));
    return undefined;
  }
  return { data, parsed };
}

import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';
import { AppError, type FieldError } from '../errors.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

// Bodies are never coerced: `{ "url": 123 }` must be a 400, not the string "123".
// A closed body schema (additionalProperties: false) drops unknown members: API.md promises that a
// sent `owner` is ignored, not refused. Beware anyOf of closed objects: Ajv strips while trying a branch.
// Query strings and path params are text on the wire, so they are coerced to their schema types.
const strict = addFormats(new Ajv({ coerceTypes: false, useDefaults: true, allErrors: true, strict: false, removeAdditional: true }));
const coercing = addFormats(new Ajv({ coerceTypes: true, useDefaults: true, allErrors: true, strict: false }));

/** The path of the first string holding a NUL character (PostgreSQL text cannot store one), or null. */
export function findNul(value: unknown): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? '' : null;
  if (typeof value !== 'object' || value === null) return null;
  // The path is built only on the way back from a NUL: a clean body (nearly all) allocates nothing.
  for (const key of Object.keys(value)) {
    const found = findNul((value as Record<string, unknown>)[key]);
    if (found !== null) return `/${key}${found}`;
  }
  return null;
}

export const validatorCompiler: FastifySchemaCompiler<object> = ({ schema, httpPart }) => {
  const validate = (httpPart === 'body' ? strict : coercing).compile(schema);
  // A NUL anywhere in validated input is refused here, once, for every route and both databases.
  const check = Object.assign(
    (data: unknown, context?: object) => {
      const valid = (validate as (data: unknown, context?: object) => boolean)(data, context);
      check.errors = validate.errors;
      if (!valid) return false;
      const at = findNul(data);
      if (at === null) return true;
      check.errors = [{ instancePath: at, keyword: 'nul', params: {}, schemaPath: '#', message: 'must not contain NUL characters' }];
      return false;
    },
    { errors: null as ErrorObject[] | null | undefined, schemaEnv: validate.schemaEnv },
  );
  return check;
};

/**
 * A body schema's check for one item of a batch (bulk create, an import file's row), by the rules
 * a route applies to its body: no coercion, unknown members dropped, no NUL. Returns the item, or
 * throws the VALIDATION problem a route would have answered.
 */
export function compileItemCheck<T>(schema: object): (item: unknown) => T {
  const check = validatorCompiler({ schema, httpPart: 'body', method: 'POST', url: '' }) as ((data: unknown) => boolean) & {
    errors?: ErrorObject[] | null;
  };
  return (item) => {
    if (check(item)) return item as T;
    throw validationError(check.errors ?? [], 'item');
  };
}

function fieldOf(error: ErrorObject): string {
  const missing = (error.params as { missingProperty?: string }).missingProperty;
  const path = error.instancePath.replace(/^\//, '').replaceAll('/', '.');
  return [path, missing].filter(Boolean).join('.') || '(root)';
}

export function validationError(
  errors: readonly Partial<ErrorObject>[],
  part: string | undefined,
): AppError {
  const fields: FieldError[] = errors.map((e) => ({
    field: fieldOf(e as ErrorObject),
    message: e.message ?? 'is invalid',
  }));
  const summary = fields.map((f) => `${f.field} ${f.message}`).join('; ');
  return new AppError('VALIDATION', `Invalid ${part ?? 'request'}: ${summary}`, fields);
}

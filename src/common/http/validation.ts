import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';
import { AppError, type FieldError } from '../errors.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

// Bodies are never coerced: `{ "url": 123 }` must be a 400, not the string "123".
// Query strings and path params are text on the wire, so they are coerced to their schema types.
const strict = addFormats(new Ajv({ coerceTypes: false, useDefaults: true, allErrors: true, strict: false }));
const coercing = addFormats(new Ajv({ coerceTypes: true, useDefaults: true, allErrors: true, strict: false }));

export const validatorCompiler: FastifySchemaCompiler<object> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? strict : coercing).compile(schema);

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

// Request validation: two ajv instances. Query strings and path parameters arrive as text and are
// read as the schema's integers and booleans (coerceTypes true: "10" -> 10, never an array). Bodies
// are JSON and are taken as sent: no coercion ("10" is not an integer, ["<uuid>"] is not a uuid),
// no defaults inserted, nothing removed (an unknown field is refused by additionalProperties false).
import { Ajv } from 'ajv';
import type { FastifySchemaCompiler } from 'fastify';

const common = { removeAdditional: false, allErrors: false, strict: false } as const;
const lenient = new Ajv({ ...common, coerceTypes: true, useDefaults: true });
const strict = new Ajv({ ...common, coerceTypes: false, useDefaults: false });

export const validatorCompiler: FastifySchemaCompiler<Record<string, unknown>> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? strict : lenient).compile(schema) as ReturnType<FastifySchemaCompiler<unknown>>;

/** The first ajv error as "field: what is wrong" (400 names the field). */
export function schemaErrorFormatter(errors: readonly { instancePath: string; message?: string; params?: unknown }[], dataVar: string): Error {
  const e = errors[0]!;
  const missing = (e.params as { missingProperty?: string } | undefined)?.missingProperty;
  const extra = (e.params as { additionalProperty?: string } | undefined)?.additionalProperty;
  const field = missing ?? extra ?? (e.instancePath.replace(/^\//, '').replace(/\//g, '.') || dataVar);
  const what = extra ? 'is not a known field' : missing ? 'is required' : e.message ?? 'is invalid';
  return new Error(`${field}: ${what}`);
}

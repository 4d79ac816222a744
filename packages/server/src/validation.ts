import { Ajv, type Options } from 'ajv';
import type { FastifyInstance, FastifySchema } from 'fastify';

const common: Options = { allErrors: false, strict: false, useDefaults: true, addUsedSchema: false };

/**
 * Bodies are validated exactly as sent: never coerced ("50" is not a progress), unknown fields
 * never silently dropped. Query strings and path parameters arrive as text, so they coerce, and a
 * repeated query parameter becomes an array.
 */
export function useStrictValidation(app: FastifyInstance): void {
  const body = new Ajv({ ...common, coerceTypes: false, removeAdditional: false });
  const query = new Ajv({ ...common, coerceTypes: 'array', removeAdditional: false });
  app.setValidatorCompiler<FastifySchema>(({ schema, httpPart }) =>
    (httpPart === 'body' ? body : query).compile(schema as object));
}

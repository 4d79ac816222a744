import { Ajv, type Options } from 'ajv';
import type { FastifyInstance, FastifySchema } from 'fastify';

const common: Options = { allErrors: false, strict: false, useDefaults: true, addUsedSchema: false };

// One instance of each per process: Ajv caches compiled validators by schema object, and every
// surface and every server in the process shares the same schema objects.
const bodies = new Ajv({ ...common, coerceTypes: false, removeAdditional: false });
const queries = new Ajv({ ...common, coerceTypes: 'array', removeAdditional: false });

/**
 * Bodies are validated exactly as sent: never coerced ("50" is not a progress), unknown fields
 * never silently dropped. Query strings and path parameters arrive as text, so they coerce, and a
 * repeated query parameter becomes an array.
 */
export function useStrictValidation(app: FastifyInstance): void {
  app.setValidatorCompiler<FastifySchema>(({ schema, httpPart }) => (httpPart === 'body' ? bodies : queries).compile(schema as object));
}

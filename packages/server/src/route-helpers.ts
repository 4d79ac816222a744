import { ValidationError } from '@activityd/protocol';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';

/** The error replies every route may give, for its response schema. */
export const errorReplies = { '4xx': Type.Ref('Error'), '5xx': Type.Ref('Error') };

/** The parsed JSON body; a coded 400 when there is none. */
export function requireBody<T>(request: FastifyRequest): T {
  if (request.body === undefined || request.body === null) throw new ValidationError('a JSON body is required');
  return request.body as T;
}

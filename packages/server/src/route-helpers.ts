import { ValidationError, type Activity } from '@activityd/protocol';
import { Type } from '@sinclair/typebox';
import { wireJson } from '@activityd/core';
import type { FastifyReply, FastifyRequest } from 'fastify';


/** The error replies every route may give, for its response schema. */
export const errorReplies = { '4xx': Type.Ref('Error'), '5xx': Type.Ref('Error') };

/** The parsed JSON body; a coded 400 when there is none. */
export function requireBody<T>(request: FastifyRequest): T {
  if (request.body === undefined || request.body === null) throw new ValidationError('a JSON body is required');
  return request.body as T;
}

/**
 * A reply with an activity a write just returned: the JSON text the store made of it when it
 * wrote it (see `wireJson`), instead of serialising it a second time.
 */
export function writtenActivity(reply: FastifyReply, activity: Activity): string {
  reply.type('application/json; charset=utf-8');
  return wireJson(activity);
}

import type { ActivitydError } from '@activityd/protocol';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { toCodedError } from '../../errors.js';

/** Plex's own answer to a request it cannot authenticate. */
export const PLEX_UNAUTHORIZED = { errors: [{ code: 1001, message: 'User could not be authenticated', status: 401 }] };

/** How Plex clients see our errors: Plex's status codes, and `{errors: [{code, message, status}]}`. */
export function sendPlexError(reply: FastifyReply, error: ActivitydError): FastifyReply {
  const status = error.code === 'ACT_ERR_NOT_CANCELLABLE' ? 400 : error.code === 'ACT_ERR_ENDED' ? 404 : error.status;
  const body = status === 401 ? PLEX_UNAUTHORIZED : { errors: [{ code: status, message: error.message, status }] };
  if (error.code === 'ACT_ERR_RATE_LIMITED' || error.code === 'ACT_ERR_UNAVAILABLE') reply.header('retry-after', String(error.details?.retryAfter ?? 1));
  return reply.code(status).header('content-type', 'application/json').send(Buffer.from(JSON.stringify(body)));
}

/** Every error in the Plex scope answers in Plex's shape. */
export function usePlexErrors(app: FastifyInstance): void {
  app.setErrorHandler((error: unknown, request, reply) => {
    const coded = toCodedError(error);
    if (coded.status >= 500) request.log.error({ err: error }, 'request failed');
    return sendPlexError(reply, coded);
  });
}

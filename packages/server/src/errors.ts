import { ActivitydError, NotFoundError, ValidationError, BodyTooLargeError, UnavailableError, type ErrorBody } from '@activityd/protocol/errors';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Maps anything thrown in a route to a coded error; unexpected errors become a logged 500. */
export function toCodedError(error: unknown): ActivitydError {
  if (error instanceof ActivitydError) return error;
  const e = error as Partial<FastifyError> & { validation?: unknown; validationContext?: string };
  if (e.validation) {
    return new ValidationError(`invalid ${e.validationContext ?? 'request'}: ${e.message ?? ''}`.trim(), {
      issues: e.validation as unknown,
    });
  }
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new BodyTooLargeError('request body too large');
  const status = e.statusCode ?? 500;
  if (status === 404) return new NotFoundError(e.message ?? 'not found');
  if (status >= 400 && status < 500) return new ValidationError(e.message ?? 'bad request', e.code ? { cause: e.code } : undefined);
  return new ActivitydError('ACT_ERR_INTERNAL', 'internal error');
}

/** Sends a coded error in the shape every reply uses. */
export function sendError(reply: FastifyReply, error: ActivitydError): FastifyReply {
  if (error.code === 'ACT_ERR_UNAVAILABLE' || error.code === 'ACT_ERR_RATE_LIMITED') {
    const wait = error.details?.retryAfter;
    reply.header('retry-after', String(typeof wait === 'number' ? wait : 1));
  }
  return reply.code(error.status).type('application/json').send(JSON.stringify(error.toJSON() satisfies ErrorBody));
}

/** Every error, thrown or from Fastify itself, answers `{ error: { code, message } }`. */
export function useCodedErrors(app: FastifyInstance): void {
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const coded = toCodedError(error);
    if (coded.status >= 500) request.log.error({ err: error }, 'request failed');
    return sendError(reply, coded);
  });
}

/** Unknown routes are a coded 404. */
export function useCodedNotFound(app: FastifyInstance): void {
  app.setNotFoundHandler((request, reply) => sendError(reply, new NotFoundError(`no route ${request.method} ${request.url.split('?')[0]}`)));
}

/**
 * Once the server is closing, a request that still arrives on an open keep-alive connection (a
 * dashboard reconnecting as its stream closes) is a coded 503 with `Retry-After` and
 * `Connection: close`, in each surface's own error shape: the client retries against the next process.
 * Registered first, so its `preClose` runs before the streams are closed.
 */
export function useCodedClosing(app: FastifyInstance): void {
  let closing = false;
  app.addHook('preClose', async () => void (closing = true));
  app.addHook('onRequest', (_request, reply, done) => {
    if (!closing) return done();
    reply.header('connection', 'close');
    done(new UnavailableError('the server is shutting down; retry', { retryAfter: 1 }));
  });
}

import type { FastifyInstance } from 'fastify';
import { toCodedError } from '../../errors.js';

/**
 * AdmiralCloud's error shape: `{message: <code>, status}`. A refused signature keeps the code
 * `ac-signature` uses (`acsignature_hashMismatch`, ...); other errors carry our `ACT_ERR_*` code.
 */
export function useAcErrors(app: FastifyInstance): void {
  app.setErrorHandler((error: unknown, request, reply) => {
    const coded = toCodedError(error);
    if (coded.status >= 500) request.log.error({ err: error }, 'request failed');
    const reason = coded.details?.reason;
    if (coded.code === 'ACT_ERR_RATE_LIMITED' || coded.code === 'ACT_ERR_UNAVAILABLE') reply.header('retry-after', String(coded.details?.retryAfter ?? 1));
    return reply.code(coded.status).send({ message: typeof reason === 'string' ? reason : coded.code, status: coded.status });
  });
}

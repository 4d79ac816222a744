import type { FastifyInstance } from 'fastify';

const ALLOW_HEADERS = 'authorization, content-type, last-event-id, x-plex-token, idempotency-key';
const EXPOSE_HEADERS = 'x-activity, x-plex-activity, location, retry-after';

/** Lets browser SDK users on the given origins (or `*`) call the API; answers preflights. */
export function useCors(app: FastifyInstance, origins: readonly string[]): void {
  const any = origins.includes('*');
  app.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin;
    if (!origin || !(any || origins.includes(origin))) return;
    reply.header('access-control-allow-origin', any ? '*' : origin).header('vary', 'origin').header('access-control-expose-headers', EXPOSE_HEADERS);
    if (request.method === 'OPTIONS' && request.headers['access-control-request-method']) {
      await reply
        .header('access-control-allow-methods', 'GET, POST, PUT, PATCH, DELETE')
        .header('access-control-allow-headers', ALLOW_HEADERS)
        .header('access-control-max-age', '600')
        .code(204)
        .send();
    }
  });
}

import type { FastifyInstance } from 'fastify';

const ALLOW_HEADERS = 'authorization, content-type, last-event-id, x-plex-token, idempotency-key';
const EXPOSE_HEADERS = 'x-activity, x-plex-activity, location, retry-after';

/** Lets browser SDK users on the given origins (or `*`) call the API; answers preflights. */
export function useCors(app: FastifyInstance, origins: readonly string[]): void {
  const any = origins.includes('*');
  app.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin;
    if (!origin || !(any || origins.includes(origin))) return;
    // On the raw response, not only Fastify's header map: a hijacked reply (the SSE stream) writes
    // its head itself and would otherwise go out without them, and a browser would refuse it.
    reply.raw.setHeader('access-control-allow-origin', any ? '*' : origin);
    reply.raw.setHeader('vary', 'origin');
    reply.raw.setHeader('access-control-expose-headers', EXPOSE_HEADERS);
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

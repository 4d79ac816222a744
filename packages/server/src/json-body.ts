import type { FastifyInstance } from 'fastify';

/**
 * An empty body is no body, whatever its `Content-Type` (a `DELETE` sent with
 * `content-type: application/json` and nothing else is valid). Everything else goes to Fastify's
 * own JSON parser, which also guards against prototype poisoning.
 */
export function useJsonBodies(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body.length === 0 || body.toString().trim() === '') {
      done(null, undefined);
      return;
    }
    parse(request, body.toString(), done);
  });
}

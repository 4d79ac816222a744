import type { ActivityHub, Principal } from '@activityd/core';
import type { FastifyInstance } from 'fastify';
import { credentialsOf, type Authenticator } from './auth.js';
import { useCodedErrors } from './errors.js';
import { useJsonBodies } from './json-body.js';
import { activityRoutes, sharedSchemas } from './routes/activities.js';
import { sseRoutes } from './streams/sse.js';
import { wsRoutes } from './streams/ws.js';
import { useStrictValidation } from './validation.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is asking; set by the activityd routes' authentication hook. */
    principal: Principal;
  }
}

/** Options of {@link activitydRoutes}. */
export interface ActivitydRoutesOptions {
  hub: ActivityHub;
  auth: Authenticator;
}

/**
 * The native API as a Fastify plugin, self-contained (its own validation, JSON parsing, coded
 * errors and authentication), so a backend mounts it in its own app unchanged.
 * @example
 * await app.register(activitydRoutes, { prefix: '/v1', hub, auth });
 */
export async function activitydRoutes(app: FastifyInstance, options: ActivitydRoutesOptions): Promise<void> {
  useStrictValidation(app);
  useJsonBodies(app);
  useCodedErrors(app);
  for (const schema of sharedSchemas) app.addSchema(schema);
  app.decorateRequest('principal', null as unknown as Principal);
  app.addHook('onRequest', async (request) => {
    request.principal = await options.auth.authenticate(credentialsOf(request.headers, request.query));
  });
  await app.register(activityRoutes, { hub: options.hub });
  await app.register(sseRoutes, { hub: options.hub });
  await app.register(wsRoutes, { hub: options.hub });
  // Closing the server closes every stream with a reconnect hint before connections are cut.
  app.addHook('preClose', async () => options.hub.streams.closeAll());
}

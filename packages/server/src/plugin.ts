import type { ActivityHub, Principal } from '@activityd/core';
import type { FastifyInstance } from 'fastify';
import { credentialsOf, isSigned, type Authenticator } from './auth.js';
import { useCodedErrors } from './errors.js';
import { useJsonBodies } from './json-body.js';
import { activityRoutes, sharedSchemas } from './routes/activities.js';
import { sseRoutes } from './streams/sse.js';
import { adminRoutes } from './routes/admin.js';
import { changeRoutes } from './routes/changes.js';
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
  /** Default: `hub.access` (tokens and signed requests). */
  auth?: Authenticator;
}

const mayHaveBody = (method: string) => method === 'POST' || method === 'PUT' || method === 'PATCH';

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
  const auth = options.auth ?? options.hub.access;
  // Tokens are checked before anything else (a WebSocket gets its 401 before the upgrade); a
  // signature covers the body too, so a signed request with a body is checked once it is parsed.
  app.addHook('onRequest', async (request) => {
    if (!isSigned(request) || !mayHaveBody(request.method)) request.principal = await auth.authenticate(credentialsOf(request));
  });
  app.addHook('preValidation', async (request) => {
    if (isSigned(request) && mayHaveBody(request.method)) request.principal = await auth.authenticate(credentialsOf(request));
  });
  await app.register(activityRoutes, { hub: options.hub });
  await app.register(adminRoutes, { hub: options.hub });
  await app.register(changeRoutes, { hub: options.hub });
  await app.register(sseRoutes, { hub: options.hub });
  await app.register(wsRoutes, { hub: options.hub });
  // Closing the server closes every stream with a reconnect hint before connections are cut.
  app.addHook('preClose', async () => options.hub.streams.closeAll());
}

import type { ActivityHub } from '@activityd/core';
import type { FastifyInstance } from 'fastify';
import type { Authenticator } from './auth.js';
import { useApiScope } from './api-scope.js';
import { useCodedErrors } from './errors.js';
import { activityRoutes, sharedSchemas } from './routes/activities.js';
import { sseRoutes } from './streams/sse.js';
import { adminRoutes } from './routes/admin.js';
import { changeRoutes } from './routes/changes.js';
import { wsRoutes } from './streams/ws.js';

/** Options of {@link activitydRoutes}. */
export interface ActivitydRoutesOptions {
  hub: ActivityHub;
  /** Default: `hub.access` (tokens and signed requests). */
  auth?: Authenticator;
}

/**
 * The native API as a Fastify plugin, self-contained (its own validation, JSON parsing, coded
 * errors and authentication), so a backend mounts it in its own app unchanged.
 * @example
 * await app.register(activitydRoutes, { prefix: '/v1', hub, auth });
 */
export async function activitydRoutes(app: FastifyInstance, options: ActivitydRoutesOptions): Promise<void> {
  useApiScope(app, options.auth ?? options.hub.access);
  useCodedErrors(app);
  for (const schema of sharedSchemas) app.addSchema(schema);
  await app.register(activityRoutes, { hub: options.hub });
  await app.register(adminRoutes, { hub: options.hub });
  await app.register(changeRoutes, { hub: options.hub });
  await app.register(sseRoutes, { hub: options.hub });
  await app.register(wsRoutes, { hub: options.hub });
  // Closing the server closes every stream with a reconnect hint before connections are cut.
  app.addHook('preClose', async () => options.hub.streams.closeAll());
}

/**
 * The activityd HTTP server: the native `/v1` API as a Fastify plugin a backend can mount, and a
 * complete server around it.
 * @example
 * import { buildServer } from '@activityd/server';
 * await hub.access.bootstrap(process.env.TOKEN);
 * const app = await buildServer({ hub }); await app.listen({ port: 4600 });
 */
export { buildServer, VERSION, type ServerOptions } from './app.js';
export { activitydRoutes, type ActivitydRoutesOptions } from './plugin.js';
export { replyAccepted } from './accepted.js';
export { useDashboard, DASHBOARD_CSP } from './dashboard.js';
export { credentialsOf, isSigned, type Authenticator, type SignedRouteConfig } from './auth.js';
export { createLogger, loggerOptions, redactUrl } from './logger.js';
export { openApiDocument } from './openapi.js';
export { generateOpenApi } from './write-openapi.js';

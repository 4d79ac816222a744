import { createRequire } from 'node:module';
import type { ActivityHub } from '@activityd/core';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Authenticator } from './auth.js';
import { useCors } from './cors.js';
import { useCodedClosing, useCodedErrors, useCodedNotFound, sendError, toCodedError } from './errors.js';
import { useDashboard } from './dashboard.js';
import { useJsonBodies } from './json-body.js';
import { useMetrics } from './metrics.js';
import { collectRoutes, openApiDocument } from './openapi.js';
import { activitydRoutes } from './plugin.js';
import { useWebSocket } from './streams/ws.js';
import { plexRoutes } from './dialects/plex/index.js';
import { admiralCloudRoutes } from './dialects/admiralcloud/index.js';
import { UnavailableError } from '@activityd/protocol';

/** The package version, for the OpenAPI document. */
export const VERSION: string = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

/** Options of {@link buildServer}. */
export interface ServerOptions {
  hub: ActivityHub;
  /** Default: `hub.access` (tokens and signed requests). */
  auth?: Authenticator;
  /** A pino logger; default silent. */
  logger?: FastifyBaseLogger;
  /** Largest request body in bytes (default 1 MiB); larger is a 413. */
  bodyLimit?: number;
  /** Origins allowed to call the API from a browser (`*` for any). */
  corsOrigin?: string[];
  /** The built dashboard (`@activityd/dashboard`'s `DASHBOARD_DIR`), served at `/`; without it `/` links the API. */
  dashboardDir?: string;
}

/**
 * The activityd HTTP server: the native API under `/v1`, OpenAPI, health and metrics. The caller
 * listens and closes it; the hub is started and stopped by the caller too.
 * @example
 * const app = await buildServer({ hub, auth });
 * await app.listen({ port: 4600 });
 */
export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : {}),
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    logController: new LogController({ disableRequestLogging: true }),
    // Our own coded 503 answers requests while closing (useCodedClosing), not Fastify's shape.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    // The router's own refusals (a malformed URL escape, a path parameter over its length limit)
    // come before any handler: without this they answer Fastify's shape, not ours.
    frameworkErrors: (error, _request, reply) => void sendError(reply, toCodedError(error)),
  });
  const routes = collectRoutes(app);
  useCodedClosing(app);
  useCodedErrors(app);
  useCodedNotFound(app);
  useJsonBodies(app);
  if (options.corsOrigin?.length) useCors(app, options.corsOrigin);
  useMetrics(app, options.hub);
  // Streams close with their reason (WS 1012, SSE `event: close`) before @fastify/websocket's own
  // preClose closes every socket without a code: root preClose hooks run in order, before any scope's.
  app.addHook('preClose', async () => options.hub.streams.closeAll());
  // One WebSocket server for every surface: registered here, each scope finds it and reuses it.
  await useWebSocket(app);
  await app.register(activitydRoutes, { prefix: '/v1', hub: options.hub, auth: options.auth });
  await app.register(plexRoutes, { hub: options.hub, auth: options.auth });
  await app.register(admiralCloudRoutes, { prefix: '/v5', hub: options.hub, auth: options.auth });

  app.get('/healthz', { schema: { summary: 'Liveness', tags: ['operations'] } }, async () => ({ ok: true }));
  app.get('/readyz', { schema: { summary: 'Readiness: 503 while the store is unreachable', tags: ['operations'] } }, async (_request, reply) => {
    try {
      await options.hub.ready();
      return { ok: true };
    } catch {
      return sendError(reply, new UnavailableError('the store is unreachable'));
    }
  });
  let document: object | undefined;
  app.get('/openapi.json', { schema: { summary: 'This OpenAPI document', tags: ['operations'] } }, async () =>
    (document ??= openApiDocument(routes, VERSION)));
  useDashboard(app, options.dashboardDir);
  return app;
}

import type { Principal } from '@activityd/core';
import type { FastifyInstance } from 'fastify';
import { credentialsOf, isSigned, type Authenticator } from './auth.js';
import { useJsonBodies } from './json-body.js';
import { useStrictValidation } from './validation.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is asking; set by the authentication hooks of every API surface. */
    principal: Principal;
  }
}

const mayHaveBody = (method: string) => method === 'POST' || method === 'PUT' || method === 'PATCH';

/**
 * What every API surface (native, Plex, AdmiralCloud) shares inside its own Fastify scope: strict
 * body validation, JSON parsing, and authentication. Tokens are checked before anything else (a
 * WebSocket gets its 401 before the upgrade); a signature covers the body too, so a signed request
 * with a body is checked once it is parsed.
 */
export function useApiScope(app: FastifyInstance, auth: Authenticator): void {
  useStrictValidation(app);
  useJsonBodies(app);
  if (!app.hasRequestDecorator('principal')) app.decorateRequest('principal', null as unknown as Principal);
  app.addHook('onRequest', async (request) => {
    if (!isSigned(request) || !mayHaveBody(request.method)) request.principal = await auth.authenticate(credentialsOf(request));
  });
  app.addHook('preValidation', async (request) => {
    if (isSigned(request) && mayHaveBody(request.method)) request.principal = await auth.authenticate(credentialsOf(request));
  });
}

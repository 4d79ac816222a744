import type { Principal } from '@activityd/core';
import type { FastifyInstance, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
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
  // Callback-style hooks: a hook with nothing to do then costs no promise.
  app.addHook('onRequest', (request, _reply, done) => {
    if (isSigned(request) && mayHaveBody(request.method)) return done();
    authenticateInto(request, auth, done);
  });
  app.addHook('preValidation', (request, _reply, done) => {
    if (!isSigned(request) || !mayHaveBody(request.method)) return done();
    authenticateInto(request, auth, done);
  });
}

function authenticateInto(request: FastifyRequest, auth: Authenticator, done: HookHandlerDoneFunction): void {
  let pending: Promise<Principal>;
  try {
    pending = auth.authenticate(credentialsOf(request));
  } catch (error) {
    done(error as Error); // an embedder's authenticator may throw instead of rejecting
    return;
  }
  pending.then((principal) => {
    request.principal = principal;
    done();
  }, (error: Error) => done(error));
}

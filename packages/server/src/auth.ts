import type { Credentials, Principal } from '@activityd/core';
import type { FastifyRequest } from 'fastify';

/** Turns a request's credentials into a principal, or throws a coded 401/429. `hub.access` is one. */
export interface Authenticator {
  authenticate(credentials: Credentials): Promise<Principal>;
}

/** Route config naming the AdmiralCloud controller/action a version-1 signature covers. */
export interface SignedRouteConfig {
  acAction?: { controller: string; action: string };
}

const header = (request: FastifyRequest, name: string): string | undefined => {
  const value = request.headers[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
};

/** Is this request signed (AdmiralCloud scheme) rather than carrying a token? */
export function isSigned(request: FastifyRequest): boolean {
  return header(request, 'x-admiralcloud-accesskey') !== undefined;
}

/**
 * Reads a request's credentials: a token from `Authorization: Bearer`, the `X-Plex-Token` header,
 * or the `X-Plex-Token` / `token` query parameter; or a signature from the `x-admiralcloud-*`
 * headers, over the path and the query merged with the body (and, for version 1, the path
 * parameters and the route's controller/action).
 */
export function credentialsOf(request: FastifyRequest): Credentials {
  const address = request.ip;
  const auth = header(request, 'authorization');
  if (auth && /^bearer /i.test(auth)) return { token: auth.slice(7).trim(), address };
  const plex = header(request, 'x-plex-token');
  if (plex) return { token: plex, address };
  const query = (request.query ?? {}) as Record<string, unknown>;
  const fromQuery = query['X-Plex-Token'] ?? query.token;
  if (typeof fromQuery === 'string' && fromQuery) return { token: fromQuery, address };
  const accessKey = header(request, 'x-admiralcloud-accesskey');
  if (!accessKey) return { address };
  const version = header(request, 'x-admiralcloud-version');
  const body = request.body && typeof request.body === 'object' && !Array.isArray(request.body) ? (request.body as Record<string, unknown>) : {};
  const v1 = version === undefined || version === '1';
  const params = v1 ? ((request.params ?? {}) as Record<string, unknown>) : {};
  const config = request.routeOptions.config as SignedRouteConfig | undefined;
  return {
    address,
    signed: {
      headers: {
        accessKey, version, hash: header(request, 'x-admiralcloud-hash'), rts: header(request, 'x-admiralcloud-rts'),
        identifier: header(request, 'x-admiralcloud-identifier'),
      },
      request: {
        method: request.method,
        path: request.url.split('?')[0]!,
        payload: { ...query, ...params, ...body },
        ...(config?.acAction ? { controllerAction: config.acAction } : {}),
      },
    },
  };
}

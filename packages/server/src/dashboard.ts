import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { HOME_PAGE } from './home-page.js';

/**
 * The dashboard's only sources: its own files and its own API. No inline script or style, no other
 * origin; `img-src data:` for the SVG favicon only. A page that leaks a `?token=` link through a
 * Referer would defeat the token, hence `no-referrer`.
 */
export const DASHBOARD_CSP = [
  "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'",
  "font-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
].join('; ');

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json', '.map': 'application/json', '.woff2': 'font/woff2',
};

/** A built asset's name: Vite's `name-hash.ext`, nothing that could climb out of the folder. */
const SAFE_NAME = /^[\w-]+(\.[\w-]+)*$/;

/** Caching: hashed assets never change under their name; the page must be fetched fresh to find new ones. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/** The fallback page's policy: no script at all, its one inline style sheet. */
const HOME_PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'";

function secure(reply: FastifyReply, csp = DASHBOARD_CSP): FastifyReply {
  return reply.header('content-security-policy', csp).header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer').header('x-frame-options', 'DENY');
}

async function readOrNull(path: string): Promise<Buffer | null> {
  try {
    return await readFile(path);
  } catch {
    return null;
  }
}

/**
 * Serves the built dashboard (`dir`, Vite's output) at `/`, `/assets/*` and `/favicon.svg`, with its
 * Content-Security-Policy. Files are read on each request, so a rebuild needs no restart. Without a
 * build (or without `dir`), `/` serves a page that links the API and says how to build the dashboard.
 * The routes carry no schema: they are not part of the API's OpenAPI document. `buildServer` calls
 * it; a backend that mounts `activitydRoutes` in its own app can call it too.
 * @example
 * import { DASHBOARD_DIR } from '@activityd/dashboard';
 * useDashboard(app, DASHBOARD_DIR);
 */
export function useDashboard(app: FastifyInstance, dir: string | undefined): void {
  app.get('/', async (_request, reply) => {
    const page = dir ? await readOrNull(join(dir, 'index.html')) : null;
    secure(reply, page ? DASHBOARD_CSP : HOME_PAGE_CSP).header('cache-control', 'no-cache').type(CONTENT_TYPES['.html']!);
    return reply.send(page ?? HOME_PAGE);
  });
  const sendFile = async (reply: FastifyReply, path: string, name: string, cache: string) => {
    const body = dir && SAFE_NAME.test(name) ? await readOrNull(join(dir, path, name)) : null;
    if (!body) return reply.callNotFound();
    return secure(reply).header('cache-control', cache).type(CONTENT_TYPES[extname(name)] ?? 'application/octet-stream').send(body);
  };
  app.get('/assets/:name', async (request, reply) => sendFile(reply, 'assets', (request.params as { name: string }).name, IMMUTABLE));
  app.get('/favicon.svg', async (_request, reply) => sendFile(reply, '.', 'favicon.svg', 'public, max-age=3600'));
}

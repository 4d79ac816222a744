import { ActivitySchema, ErrorReply } from '@activityd/protocol';
import type { FastifyInstance, FastifySchema } from 'fastify';

declare module 'fastify' {
  interface FastifySchema {
    /** One line for the OpenAPI document. */
    summary?: string;
    tags?: string[];
  }
}

interface RouteInfo { method: string; url: string; schema: FastifySchema }

/** Records every route with a schema, to describe it in the OpenAPI document. Call before registering routes. */
export function collectRoutes(app: FastifyInstance): RouteInfo[] {
  const routes: RouteInfo[] = [];
  app.addHook('onRoute', (route) => {
    const methods = [route.method].flat().filter((m) => m !== 'HEAD');
    for (const method of methods) if (route.schema) routes.push({ method: method.toLowerCase(), url: route.url, schema: route.schema });
  });
  return routes;
}

/** Rewrites `$ref: 'Activity'` to a component reference and drops `$id`. */
function clean(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(clean);
  if (!schema || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === '$id') continue;
    out[key] = key === '$ref' && typeof value === 'string' && !value.startsWith('#') ? `#/components/schemas/${value}` : clean(value);
  }
  return out;
}

function parameters(schema: unknown, where: 'query' | 'path' | 'header'): object[] {
  const s = schema as { properties?: Record<string, { description?: string }>; required?: string[] } | undefined;
  return Object.entries(s?.properties ?? {}).map(([name, property]) => {
    const { description, ...rest } = property;
    return { name, in: where, required: where === 'path' || (s?.required ?? []).includes(name), ...(description ? { description } : {}), schema: clean(rest) };
  });
}

/** The OpenAPI 3.1 document of the routes, generated from their schemas. */
export function openApiDocument(routes: readonly RouteInfo[], version: string): object {
  const paths: Record<string, Record<string, object>> = {};
  for (const { method, url, schema } of [...routes].sort((a, b) => a.url.localeCompare(b.url) || a.method.localeCompare(b.method))) {
    const s = schema;
    // `:name` is a parameter; `::` is Fastify's escape for a literal `:` (Plex's `/:/eventsource/…`).
    const path = url.replace(/::|:(\w+)/g, (_match, name?: string) => (name ? `{${name}}` : ':'));
    const responses: Record<string, object> = {};
    for (const [code, body] of Object.entries((s.response ?? {}) as Record<string, unknown>)) {
      responses[code.toUpperCase()] = { description: code === '4xx' || code === '5xx' ? 'A coded error' : 'OK', content: { 'application/json': { schema: clean(body) } } };
    }
    if (Object.keys(responses).length === 0) responses['200'] = { description: 'OK' };
    (paths[path] ??= {})[method] = {
      ...(s.summary ? { summary: s.summary } : {}),
      ...(s.tags ? { tags: s.tags } : {}),
      parameters: [...parameters(s.params, 'path'), ...parameters(s.querystring, 'query'), ...parameters(s.headers, 'header')],
      ...(s.body ? { requestBody: { required: true, content: { 'application/json': { schema: clean(s.body) } } } } : {}),
      responses,
      ...(path.startsWith('/v1/') ? { security: [{ bearer: [] }, { plexToken: [] }, { queryToken: [] }] } : {}),
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'activityd', version, description: 'Track and control long-running asynchronous operations.' },
    paths,
    components: {
      schemas: { Activity: clean(ActivitySchema), Error: clean(ErrorReply) },
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer' },
        plexToken: { type: 'apiKey', in: 'header', name: 'X-Plex-Token' },
        queryToken: { type: 'apiKey', in: 'query', name: 'token' },
      },
    },
  };
}

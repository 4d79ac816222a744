// The committed OpenAPI document (docs/openapi.json) is generated from the route schemas: it must not
// drift from them, must be OpenAPI 3.1, and must document every /v1 route at the path clients call.
import { readFileSync } from 'node:fs';
import { generateOpenApi, VERSION } from '@activityd/server';
import { beforeAll, describe, expect, it } from 'vitest';
import { nativeServer } from './native-server.js';

const COMMITTED = new URL('../../../docs/openapi.json', import.meta.url);

interface Operation { summary?: string; parameters: Array<{ name: string; in: string; required: boolean }>; requestBody?: unknown; responses: Record<string, unknown>; security?: unknown[] }
interface Document {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
}

/** The native API of DESIGN 6 and 11: path → methods. */
const NATIVE_ROUTES: Record<string, string[]> = {
  '/v1/activities': ['get', 'post'],
  '/v1/activities/{id}': ['delete', 'get', 'patch'],
  '/v1/activities/{id}/result': ['get'],
  '/v1/changes': ['get', 'post'],
  '/v1/changes/index': ['post'],
  '/v1/events': ['get'],
  '/v1/ws': ['get'],
  '/v1/presence': ['get'],
  '/v1/me': ['get'],
  ...Object.fromEntries(['groups', 'users', 'tokens', 'keys'].flatMap((kind) => [
    [`/v1/admin/${kind}`, ['get', 'post']],
    [`/v1/admin/${kind}/{id}`, ['delete']],
  ])),
};

let generated: string;
let doc: Document;
beforeAll(async () => {
  generated = await generateOpenApi();
  doc = JSON.parse(generated) as Document;
});

describe('docs/openapi.json', () => {
  it('is what the route schemas generate', () => {
    const committed = readFileSync(COMMITTED, 'utf8');
    const hint = 'docs/openapi.json is out of date with the route schemas: run `npm run openapi` and commit the result';
    expect(doc, hint).toEqual(JSON.parse(committed));
    expect(generated, hint).toBe(committed);
  });

  it('is the OpenAPI 3.1 document the server serves at /openapi.json', async () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toMatchObject({ title: 'activityd', version: VERSION });
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(['Activity', 'Error']));
    const s = await nativeServer();
    expect(await s.ok(200, 'GET', '/openapi.json', { token: null })).toEqual(doc);
  });

  it('documents every /v1 route with its methods, parameters, body, replies and security', () => {
    const documented = Object.fromEntries(Object.entries(doc.paths)
      .filter(([path]) => path.startsWith('/v1/'))
      .map(([path, methods]) => [path, Object.keys(methods).sort()]));
    expect(documented).toEqual(NATIVE_ROUTES);
    for (const [path, methods] of Object.entries(NATIVE_ROUTES)) {
      for (const method of methods) {
        const op = doc.paths[path]![method]!;
        const where = `${method.toUpperCase()} ${path}`;
        expect(op.summary, where).toEqual(expect.any(String));
        expect(op.security, where).toEqual(expect.arrayContaining([{ bearer: [] }]));
        // Streams answer with events, not a JSON body; their refusals are not described (yet).
        if (path !== '/v1/events' && path !== '/v1/ws') expect(Object.keys(op.responses), where).toContain('4XX');
        expect(op.requestBody !== undefined, where).toBe(method === 'post' || method === 'patch');
        for (const name of path.match(/\{(\w+)\}/g)?.map((p) => p.slice(1, -1)) ?? []) {
          expect(op.parameters, where).toContainEqual(expect.objectContaining({ name, in: 'path', required: true }));
        }
      }
    }
    const list = doc.paths['/v1/activities']!.get!.parameters.map((p) => p.name);
    expect(list).toEqual(expect.arrayContaining(['state', 'type', 'owner', 'parentId', 'id', 'limit', 'cursor']));
    expect(doc.paths['/v1/activities/{id}']!.get!.parameters).toContainEqual(expect.objectContaining({ name: 'wait', in: 'query' }));
    expect(doc.paths['/v1/activities']!.post!.responses).toHaveProperty('201');
  });

  it('names every path as clients call it: each one reaches a route of the server', async () => {
    const s = await nativeServer();
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const method of Object.keys(methods)) {
        const reply = await s.call(method.toUpperCase(), path.replace(/\{\w+\}/g, 'x'), { token: null });
        expect(reply.text, `${method.toUpperCase()} ${path}`).not.toContain('no route');
      }
    }
  });
});

// The built dashboard served at `/`: content types, caching of hashed assets, the Content-Security-
// Policy on every page, no way out of the folder, and a helpful page when nothing was built.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ActivityHub, MemoryStore } from '@activityd/core';
import { buildServer } from '@activityd/server';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let hub: ActivityHub;
let dir: string;
const apps: FastifyInstance[] = [];
beforeAll(async () => {
  hub = new ActivityHub({ store: new MemoryStore() });
  await hub.start();
  dir = mkdtempSync(join(tmpdir(), 'activityd-dashboard-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><script type="module" src="/assets/index-abc123.js"></script>');
  writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
  writeFileSync(join(dir, 'assets', 'index-abc123.css'), 'body{}');
  writeFileSync(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  writeFileSync(join(dir, 'secret.txt'), 'not served');
});
afterAll(async () => {
  for (const app of apps) await app.close();
  await hub.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function server(dashboardDir?: string): Promise<FastifyInstance> {
  const app = await buildServer({ hub, ...(dashboardDir ? { dashboardDir } : {}) });
  apps.push(app);
  return app;
}

describe('the dashboard at /', () => {
  it('serves the page fresh, with a policy that allows only itself and its API', async () => {
    const reply = await (await server(dir)).inject({ url: '/' });
    expect(reply.statusCode).toBe(200);
    expect(reply.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(reply.headers['cache-control']).toBe('no-cache');
    expect(reply.body).toContain('/assets/index-abc123.js');
    const csp = String(reply.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(reply.headers['referrer-policy']).toBe('no-referrer');
  });

  it('serves hashed assets with their content type, cached for good', async () => {
    const app = await server(dir);
    const js = await app.inject({ url: '/assets/index-abc123.js' });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(js.body).toBe('console.log(1)');
    expect((await app.inject({ url: '/assets/index-abc123.css' })).headers['content-type']).toBe('text/css; charset=utf-8');
    expect((await app.inject({ url: '/favicon.svg' })).headers['content-type']).toBe('image/svg+xml');
  });

  it.each(['/assets/missing.js', '/assets/..%2Fsecret.txt', '/assets/%2e%2e%2fsecret.txt', '/secret.txt'])('%s → 404 in the API error shape', async (url) => {
    const reply = await (await server(dir)).inject({ url });
    expect(reply.statusCode).toBe(404);
    expect(reply.json()).toMatchObject({ error: { code: 'ACT_ERR_NOT_FOUND' } });
  });

  it('without a build, / says how to build the dashboard and still links the API', async () => {
    for (const app of [await server(), await server(join(dir, 'nothing-here'))]) {
      const reply = await app.inject({ url: '/' });
      expect(reply.statusCode).toBe(200);
      expect(reply.body).toContain('The dashboard was not built');
      expect(reply.body).toContain('/openapi.json');
      expect(reply.headers['content-security-policy']).toContain("default-src 'none'");
      expect((await app.inject({ url: '/assets/index-abc123.js' })).statusCode).toBe(404);
    }
  });
});

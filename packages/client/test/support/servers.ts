// Shared by the client suites and the sdk-/cli- end-to-end suites: real `activityd serve` processes,
// an in-process embedding (a Fastify app of "your backend" with the native API mounted at /v1 and
// routes that answer 202 + X-Activity), clients, bounded waits, and cleanup after each test.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import Fastify from 'fastify';
import { ActivityHub, MemoryStore } from '@activityd/core';
import { activitydRoutes, buildServer, replyAccepted } from '@activityd/server';
import { ActivitydClient, type ClientOptions } from '@activityd/client';
import { startServe, type ServeProcess } from '../../../../test/e2e/serve-process.js';

export { CLI, startServe, type ServeProcess } from '../../../../test/e2e/serve-process.js';

/** The admin token every server here is started with. */
export const TOKEN = 't';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  const errors: unknown[] = [];
  for (const cleanup of cleanups.splice(0).reverse()) await Promise.resolve().then(cleanup).catch((error: unknown) => errors.push(error));
  if (errors.length) throw errors[0];
});

/** Runs `cleanup` after the current test, last registered first. */
export function onCleanup(cleanup: () => unknown): void {
  cleanups.push(cleanup);
}

/** A temporary directory, removed after the test. */
export function tempDir(prefix = 'activityd-client-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A port nobody listens on right now (for a server that must come back on the same one). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A real `activityd serve` (memory store, admin token {@link TOKEN}), killed after the test. */
export async function serve(extra: string[] = []): Promise<ServeProcess> {
  const args = extra.includes('--data-dir') ? extra : ['--store', 'memory', ...extra];
  const server = await startServe(['serve', '--port', '0', '--log-level', 'warn', ...args], { ACTIVITYD_ADMIN_TOKEN: TOKEN });
  onCleanup(() => server.kill());
  return server;
}

/** A client of `url` with the admin token, or `token` (`null`: none). */
export function clientOf(url: string, token: string | null = TOKEN, options: Partial<ClientOptions> = {}): ActivitydClient {
  return new ActivitydClient({ baseUrl: url, token: token ?? undefined, timeoutMs: 10_000, ...options });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it returns something other than `undefined`/`false`; fails after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}

/** `promise`, or a rejection naming `what` after `ms`. */
export async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A gate work waits on, opened by the test. */
export function gate(): { wait: (signal?: AbortSignal) => Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return {
    open,
    wait: (signal) => new Promise<void>((resolve, reject) => {
      signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
      void opened.then(resolve);
    }),
  };
}

/**
 * "Your backend": a Fastify app with the native API mounted at `/v1` (auth: the hub's, admin token
 * {@link TOKEN}) and its own routes that start in-process work and answer `202` + `X-Activity`:
 * - `POST /scan`: progress 20, 40, 60, 80, each after `stepMs`, then `{ scanned: 4 }`;
 * - `POST /broken`: progress 30, then throws `disk full`;
 * - `POST /endless`: runs until cancelled.
 * With `corsOrigin`, it is built by `buildServer` (CORS for a browser page) instead; `leaseMs` is
 * the hub's lease for remote activities.
 */
export async function embedding(options: { stepMs?: number; corsOrigin?: string[]; leaseMs?: number } = {}) {
  const hub = new ActivityHub({ store: new MemoryStore(), ...(options.leaseMs ? { leaseMs: options.leaseMs } : {}) });
  await hub.start();
  await hub.access.bootstrap(TOKEN);
  const app = options.corsOrigin ? await buildServer({ hub, corsOrigin: options.corsOrigin }) : Fastify();
  if (!options.corsOrigin) await app.register(activitydRoutes, { prefix: '/v1', hub });
  const stepMs = options.stepMs ?? 40;
  const pause = (ms: number, signal: AbortSignal) => new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => { clearTimeout(timer); reject(signal.reason); }, { once: true });
  });

  app.post('/scan', async (_request, reply) => {
    const { activity } = await hub.run({ type: 'library.scan', title: 'Scanning Movies' }, async (ctx) => {
      for (const progress of [20, 40, 60, 80]) {
        await pause(stepMs, ctx.signal);
        await ctx.progress(progress, `file ${progress / 20}`);
      }
      return { scanned: 4 };
    });
    return replyAccepted(reply, activity);
  });
  app.post('/broken', async (_request, reply) => {
    const { activity } = await hub.run({ type: 'library.scan', title: 'Scanning a broken disk' }, async (ctx) => {
      await pause(stepMs, ctx.signal);
      await ctx.progress(30);
      await pause(stepMs, ctx.signal);
      throw new Error('disk full');
    });
    return replyAccepted(reply, activity);
  });
  app.post('/endless', async (_request, reply) => {
    const { activity } = await hub.run({ type: 'library.scan', title: 'Scanning forever' }, async (ctx) => {
      await ctx.progress(10);
      await new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true }));
    });
    return replyAccepted(reply, activity);
  });

  const sockets = new Set<Socket>();
  app.server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  onCleanup(async () => {
    // After an aborted stream, Node's fetch opens a spare connection that sends nothing and
    // lingers for its keep-alive timeout (4 s); a closing server waits for it unless cut.
    const cut = setTimeout(() => sockets.forEach((socket) => socket.destroy()), 200);
    await app.close();
    clearTimeout(cut);
    await hub.stop();
  });
  const url = `http://127.0.0.1:${port}`;
  return { hub, app, url, client: clientOf(url) };
}

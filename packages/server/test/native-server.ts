// Shared by the native-API suites (routes, bad input): a started hub on a MemoryStore, an
// the admin token bootstrapped explicitly, the server built around them, and JSON calls through
// app.inject. Everything is closed after each test.
import { ActivityHub, MemoryStore, SYSTEM, type Clock } from '@activityd/core';
import type { Activity } from '@activityd/protocol';
import { buildServer } from '@activityd/server';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, expect } from 'vitest';

export const TOKEN = 'test-token';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const fileCleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of fileCleanups.splice(0).reverse()) await cleanup();
});

/** Registers something to close after the current test (or, `shared`, after the file's last test). */
export function onCleanup(cleanup: () => Promise<void>, shared = false): void {
  (shared ? fileCleanups : cleanups).push(cleanup);
}

/** A reply body as assertions read it: any JSON. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests check reply shapes with expect, not types
export type Json = any;

/** A reply as the tests look at it: the body parsed when it is JSON. */
export interface Reply<T = Json> { status: number; headers: Record<string, unknown>; body: T; text: string }

export interface CallOptions {
  /** Sent as JSON (with `content-type: application/json`). */
  body?: unknown;
  /** Sent as is; give `content-type` in `headers` if it should have one. */
  raw?: string;
  headers?: Record<string, string>;
  /** `null` sends no credentials; default the admin token as `Authorization: Bearer`. */
  token?: string | null;
  /** The client address (each address has its own failed-authentication budget). */
  remoteAddress?: string;
}

/** `app.inject` with the admin token unless told otherwise. */
export async function call<T = Json>(app: FastifyInstance, method: string, url: string, options: CallOptions = {}): Promise<Reply<T>> {
  const token = options.token === undefined ? TOKEN : options.token;
  const res = await app.inject({
    method: method as 'GET',
    url,
    ...(options.remoteAddress ? { remoteAddress: options.remoteAddress } : {}),
    headers: {
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...options.headers,
    },
    ...(options.raw !== undefined ? { payload: options.raw } : options.body !== undefined ? { payload: JSON.stringify(options.body) } : {}),
  });
  let body: unknown;
  try {
    body = res.body ? JSON.parse(res.body) : undefined;
  } catch {
    body = undefined;
  }
  return { status: res.statusCode, headers: res.headers, body: body as T, text: res.body };
}

/** Asserts the reply is the coded error `code` with `status`, in the wire shape `{error: {code, message}}`. */
export function expectError(reply: Reply, status: number, code: string): void {
  const where = `${reply.status} ${reply.text.slice(0, 300)}`;
  expect(reply.status, where).toBe(status);
  expect(reply.headers['content-type'], where).toMatch(/^application\/json/);
  expect(reply.body, where).toMatchObject({ error: { code, message: expect.any(String) } });
  expect(reply.body.error.message, where).not.toBe('');
  for (const key of Object.keys(reply.body.error)) expect(['code', 'message', 'details'], where).toContain(key);
  expect(Object.keys(reply.body), where).toEqual(['error']);
}

/**
 * A started hub and its server; the admin token is {@link TOKEN}. Closed after the test, or with
 * `shared` (for `beforeAll`) after the file's last test.
 */
export async function nativeServer(options: { clock?: Clock; shared?: boolean } = {}) {
  const store = new MemoryStore();
  const hub = new ActivityHub({ store, ...(options.clock ? { clock: options.clock } : {}) });
  await hub.start();
  await hub.access.bootstrap(TOKEN);
  const app = await buildServer({ hub });
  onCleanup(async () => {
    await app.close();
    await hub.stop();
  }, options.shared);

  const send = <T = Json>(method: string, url: string, options?: CallOptions) => call<T>(app, method, url, options);

  /** A call that must answer `status`; resolves to the body. */
  async function ok<T = Json>(status: number, method: string, url: string, options?: CallOptions): Promise<T> {
    const reply = await send<T>(method, url, options);
    expect(reply.status, `${method} ${url} → ${reply.text.slice(0, 300)}`).toBe(status);
    return reply.body;
  }

  /** Creates a remote activity over HTTP. */
  const create = (body: Record<string, unknown>) => ok<Activity>(201, 'POST', '/v1/activities', { body });

  /** Every activity in the store, as the system sees it: for "nothing changed" checks. */
  const snapshot = async () => (await hub.list({ state: ['all'], limit: 1000 }, SYSTEM)).activities;

  return { hub, app, call: send, ok, create, snapshot };
}

export type NativeServer = Awaited<ReturnType<typeof nativeServer>>;

/** Resolves after `ms` of real time. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

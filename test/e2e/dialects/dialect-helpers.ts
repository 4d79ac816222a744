// Shared by the dialect suites: a real `activityd serve`, admin set-up over /v1 (plain fetch, the
// admin token), and small adapters that let the real Plex and AdmiralCloud clients talk to it.
import { createRequire } from 'node:module';
import { expect } from 'vitest';
import type { Activity } from '@activityd/protocol';
import { startServe, type ServeProcess } from '../serve-process.js';

/** `ac-signature` is CommonJS without types: its `sign` as the README shows it. */
interface AcSignature {
  sign(
    params: { accessSecret: string; path?: string; controller?: string; action?: string; payload?: object; identifier?: string; ts?: number },
    options?: { version: number },
  ): { hash: string; timestamp: number };
}
export const acs = createRequire(import.meta.url)('ac-signature') as AcSignature;

/** A running server with its admin token. */
export interface Server {
  serve: ServeProcess;
  url: string;
  adminToken: string;
}

/** `activityd serve --store memory` on a free port, with a known admin token and lease. */
export async function startServer(adminToken: string, leaseTimeout = '90s'): Promise<Server> {
  const serve = await startServe(['serve', '--port', '0', '--store', 'memory', '--lease-timeout', leaseTimeout, '--log-level', 'warn'], { ACTIVITYD_ADMIN_TOKEN: adminToken });
  return { serve, url: serve.url, adminToken };
}

/** A plain JSON call with a bearer token (set-up and driving activities through /v1). */
export async function call<T = unknown>(server: Server, method: string, path: string, body?: unknown, token = server.adminToken): Promise<{ status: number; body: T }> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

/** Like {@link call}, but expects the given status. */
export async function ok<T = unknown>(server: Server, status: number, method: string, path: string, body?: unknown, token?: string): Promise<T> {
  const reply = await call<T>(server, method, path, body, token);
  expect(reply.status, `${method} ${path}: ${JSON.stringify(reply.body)}`).toBe(status);
  return reply.body;
}

/** A user with its own token and access key. */
export interface TestUser {
  id: number;
  token: string;
  accessKey: string;
  accessSecret: string;
}

/** Creates a group (below `parentId`, default root), unless it is `root`. */
export async function group(server: Server, name: string, parentId?: string): Promise<string> {
  return (await ok<{ id: string }>(server, 201, 'POST', '/v1/admin/groups', { name, ...(parentId ? { parentId } : {}) })).id;
}

/** Creates a user in `groups`, with a token of the default scopes and an access key. */
export async function user(server: Server, name: string, groups: string[]): Promise<TestUser> {
  const { id } = await ok<{ id: number }>(server, 201, 'POST', '/v1/admin/users', { name, groups });
  const { token } = await ok<{ token: string }>(server, 201, 'POST', '/v1/admin/tokens', { userId: id });
  const { accessKey, accessSecret } = await ok<{ accessKey: string; accessSecret: string }>(server, 201, 'POST', '/v1/admin/keys', { userId: id });
  return { id, token, accessKey, accessSecret };
}

/** Creates a remote activity through /v1 as `token`'s user. */
export function createActivity(server: Server, token: string, body: Record<string, unknown>): Promise<Activity> {
  return ok<Activity>(server, 201, 'POST', '/v1/activities', body, token);
}

/** Reads one activity through /v1 (admin). */
export function getActivity(server: Server, id: string): Promise<Activity> {
  return ok<Activity>(server, 200, 'GET', `/v1/activities/${id}`);
}

/** How one AdmiralCloud request is signed. */
export type Signing =
  | { version: 5 }
  | { version: 1; action: 'find' | 'create' | 'update' | 'destroy' | 'jobResult'; params?: Record<string, unknown> };

/**
 * An AdmiralCloud request signed by `ac-signature` as AdmiralCloud's clients send it: the payload is
 * the query merged with the body (version 1: plus path parameters, and controller/action instead of the path).
 */
export async function signed<T = unknown>(
  server: Server, who: Pick<TestUser, 'accessKey' | 'accessSecret'>, method: string, path: string,
  options: { query?: Record<string, string>; body?: Record<string, unknown>; signing?: Signing; tamper?: boolean } = {},
): Promise<{ status: number; body: T }> {
  const signing = options.signing ?? { version: 5 };
  const payload = { ...options.query, ...(signing.version === 1 ? signing.params : {}), ...options.body };
  const { hash, timestamp } = signing.version === 1
    ? acs.sign({ accessSecret: who.accessSecret, controller: 'activity', action: signing.action, payload }, { version: 1 })
    : acs.sign({ accessSecret: who.accessSecret, path, payload }, { version: 5 });
  const headers: Record<string, string> = {
    'x-admiralcloud-accesskey': who.accessKey,
    'x-admiralcloud-rts': String(timestamp),
    'x-admiralcloud-hash': options.tamper ? hash.replace(/^./, (c) => (c === '0' ? '1' : '0')) : hash,
    ...(signing.version === 1 ? {} : { 'x-admiralcloud-version': String(signing.version) }),
    ...(options.body ? { 'content-type': 'application/json' } : {}),
  };
  const qs = options.query ? `?${new URLSearchParams(options.query)}` : '';
  const res = await fetch(`${server.url}${path}${qs}`, { method, headers, ...(options.body ? { body: JSON.stringify(options.body) } : {}) });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

/**
 * What `@ctrl/plex`'s `AlertListener` needs of a `PlexServer`: `url(key, includeToken)` giving the
 * server URL of `key` with `X-Plex-Token` in the query (kept beside any query of `key`, such as `filters=`).
 */
export function plexServerLike(baseUrl: string, token: string): { url(key: string, includeToken?: boolean): URL } {
  return {
    url(key, includeToken = false) {
      const url = new URL(key, baseUrl);
      if (includeToken) url.searchParams.append('X-Plex-Token', token);
      return url;
    },
  };
}

/** Resolves once `check` passes, polling every 20 ms; fails with its last error after `ms`. */
export async function eventually(check: () => void | Promise<void>, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

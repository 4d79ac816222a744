import { ActivityHub, MemoryStore, SYSTEM, type Scope } from '@activityd/core';
import { buildServer } from '@activityd/server';
import { get, type IncomingMessage } from 'node:http';
import acs from 'ac-signature';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterEach } from 'vitest';
import WebSocket from 'ws';

// The world generator and the independent visibility rule are shared with the core property test.
export { expectedPrincipal, expectVisible, upwards, worldArbitrary, type Expected, type World } from '../../../core/test/access/helpers.js';

export const ADMIN = 'admin-token';
export const adminAuth = { authorization: `Bearer ${ADMIN}` };
export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A started hub on a MemoryStore, the admin token `admin-token`, and the server; closed after the test. */
export async function startApp(options: { listen?: boolean } = {}): Promise<{ hub: ActivityHub; app: FastifyInstance; url: string }> {
  const hub = new ActivityHub({ store: new MemoryStore() });
  await hub.start();
  await hub.access.bootstrap(ADMIN);
  const app = await buildServer({ hub });
  cleanups.push(async () => {
    await app.close();
    await hub.stop();
  });
  let url = '';
  if (options.listen) {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  }
  return { hub, app, url };
}

/** A user in `groups` with one token. */
export async function newUser(hub: ActivityHub, groups: string[], options: { scopes?: Scope[]; service?: boolean; admin?: boolean; name?: string } = {}) {
  const user = await hub.access.createUser(SYSTEM, { name: options.name ?? 'user', groups, admin: options.admin ?? false });
  const { token } = await hub.access.createToken(SYSTEM, { userId: user.id, scopes: options.scopes, service: options.service });
  return { user, token };
}

/** `app.inject` answering `{status, headers, body}` with the body parsed when it is JSON. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests check reply shapes with expect, not types
export async function call(app: FastifyInstance, options: InjectOptions): Promise<{ status: number; headers: Record<string, unknown>; body: any; text: string }> {
  const res = await app.inject(options);
  let body: unknown;
  try {
    body = res.body ? JSON.parse(res.body) : undefined;
  } catch {
    body = undefined;
  }
  return { status: res.statusCode, headers: res.headers, body, text: res.body };
}

/** The `x-admiralcloud-*` headers of a request signed by AdmiralCloud's own signer, `ac-signature`. */
export function signedHeaders(input: {
  accessKey: string; accessSecret: string; path: string; payload?: Record<string, unknown>;
  version?: number; identifier?: string; ts?: number; controller?: string; action?: string; sendVersion?: boolean;
}): Record<string, string> {
  const version = input.version ?? 5;
  const signed = acs.sign({
    accessSecret: input.accessSecret, path: input.path, payload: input.payload ?? {},
    ...(input.identifier !== undefined ? { identifier: input.identifier } : {}),
    ...(input.ts !== undefined ? { ts: input.ts } : {}),
    ...(input.controller ? { controller: input.controller, action: input.action } : {}),
  }, { version }) as { hash: string; timestamp: number };
  if (typeof signed !== 'object') throw new Error(`ac-signature refused to sign: ${String(signed)}`);
  return {
    'x-admiralcloud-accesskey': input.accessKey,
    'x-admiralcloud-rts': String(signed.timestamp),
    'x-admiralcloud-hash': signed.hash,
    ...(input.sendVersion === false ? {} : { 'x-admiralcloud-version': String(version) }),
    ...(input.identifier !== undefined ? { 'x-admiralcloud-identifier': input.identifier } : {}),
  };
}

/** Polls `check` every 10 ms until it holds or `ms` pass. */
export async function waitUntil(check: () => boolean, ms = 3_000): Promise<boolean> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}

export interface StreamMessage { seq: number; type: string; activity?: { id: string }; change?: unknown; [k: string]: unknown }

/**
 * An open SSE stream over its own connection (no pooling, so closing it leaves nothing behind):
 * its status, the body of a refusal, and every `data:` event parsed, in order.
 */
export async function openSse(url: string): Promise<{ status: number; body: string; events: StreamMessage[]; close(): void }> {
  const events: StreamMessage[] = [];
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = get(url, { agent: false, headers: { accept: 'text/event-stream' } }, resolve);
    req.once('error', reject);
  });
  const close = () => res.destroy();
  res.setEncoding('utf8');
  if (res.statusCode !== 200) {
    let body = '';
    for await (const chunk of res) body += chunk as string;
    return { status: res.statusCode ?? 0, body, events, close };
  }
  let buffer = '';
  res.on('data', (chunk: string) => {
    buffer += chunk;
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const fields = Object.fromEntries(frame.split('\n').filter((l) => !l.startsWith(':')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]));
      if (fields.data === undefined) continue;
      const event = JSON.parse(fields.data) as StreamMessage;
      // `id:` is the event's seq and `event:` its type; a mismatch shows up as a bad event.
      if (fields.id !== undefined && Number(fields.id) !== event.seq) events.push({ seq: -1, type: `bad id ${fields.id}` });
      if (fields.event !== undefined && fields.event !== event.type) events.push({ seq: -1, type: `bad event ${fields.event}` });
      events.push(event);
    }
  });
  res.on('error', () => {});
  return { status: 200, body: '', events, close };
}

/** A WebSocket on `/v1/ws` that has sent `{"subscribe":{"since":0}}` and got `subscribed` with seq 0. */
export async function openWs(url: string): Promise<{ messages: StreamMessage[]; events: () => StreamMessage[]; socket: WebSocket; close(): void }> {
  const socket = new WebSocket(url);
  const messages: StreamMessage[] = [];
  let mine = -1;
  socket.on('message', (data) => {
    const message = JSON.parse(data.toString()) as StreamMessage;
    if (message.type === 'subscribed' && message.seq === 0 && mine < 0) mine = messages.length;
    messages.push(message);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
    socket.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
  });
  socket.send(JSON.stringify({ subscribe: { since: 0 } }));
  if (!(await waitUntil(() => mine >= 0 || messages.some((m) => m.type === 'error')))) throw new Error('no subscribed reply');
  return {
    messages,
    // Events after our own subscription's acknowledgement; `subscribed` replies are not events.
    events: () => messages.slice(mine + 1).filter((m) => m.type !== 'subscribed'),
    socket,
    close: () => socket.close(),
  };
}

// Shared by the server's change-feed suites: a hub and its Fastify app (built packages), JSON
// calls through app.inject, non-admin users made over the admin routes, and stream readers over
// real sockets (SSE through fetch, WebSocket through `ws`).
import { ActivityHub, ManualClock, MemoryStore, type Clock } from '@activityd/core';
import type { IndexEntry, ModelChange } from '@activityd/protocol';
import { buildServer } from '@activityd/server';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, expect } from 'vitest';
import WebSocket from 'ws';

export const ADMIN = 't';
export const T0 = 1_700_000_000_000;

const cleanups: Array<() => Promise<void>> = [];
const fileCleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(async () => {
  for (const cleanup of fileCleanups.splice(0).reverse()) await cleanup();
});

/** A reply as the tests look at it; by default a coded error's body. */
export interface Reply<T = ErrorBody> { status: number; body: T }
export interface ErrorBody { error: { code: string; message: string } }
/** A feed reply with both views (each test asks for what it includes). */
export interface FeedBody { now: number; modelChanges: ModelChange[]; modelChangesES: IndexEntry[] }

/**
 * A started hub (MemoryStore; a ManualClock at T0 unless given a clock) and its app, closed after
 * the test — or, with `perFile`, after the file (for suites that share one server).
 */
export async function feedServer(clock: Clock = new ManualClock(T0), perFile = false) {
  const hub = new ActivityHub({ store: new MemoryStore(), clock });
  await hub.start();
  await hub.access.bootstrap(ADMIN);
  const app = await buildServer({ hub });
  (perFile ? fileCleanups : cleanups).push(async () => {
    await app.close();
    await hub.stop();
  });

  async function call<T = ErrorBody>(method: 'GET' | 'POST', url: string, body?: unknown, token: string | null = ADMIN, raw?: string): Promise<Reply<T>> {
    const res = await app.inject({
      method, url,
      headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...(body !== undefined || raw !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(raw !== undefined ? { payload: raw } : body !== undefined ? { payload: JSON.stringify(body) } : {}),
    });
    return { status: res.statusCode, body: (res.body ? JSON.parse(res.body) : undefined) as T };
  }

  /** A call that must answer `status`. */
  async function ok<T = unknown>(status: number, method: 'GET' | 'POST', url: string, body?: unknown, token?: string): Promise<T> {
    const reply = await call<T>(method, url, body, token);
    expect(reply.status, `${method} ${url} → ${JSON.stringify(reply.body)}`).toBe(status);
    return reply.body;
  }

  /** Both views, as the admin (or `token`) sees them. */
  const feed = (query = '', token?: string) => ok<FeedBody>(200, 'GET', `/v1/changes${query}`, undefined, token);

  /** A non-admin user in `groups` (created below root when missing), with a token of the default scopes. */
  async function user(name: string, groups: string[]): Promise<{ id: number; token: string }> {
    const { groups: existing } = await ok<{ groups: Array<{ id: string }> }>(200, 'GET', '/v1/admin/groups');
    for (const g of groups) if (!existing.some((x) => x.id === g)) await ok(201, 'POST', '/v1/admin/groups', { id: g, name: g });
    const { id } = await ok<{ id: number }>(201, 'POST', '/v1/admin/users', { name, groups });
    const { token } = await ok<{ token: string }>(201, 'POST', '/v1/admin/tokens', { userId: id });
    return { id, token };
  }

  return { hub, app, call, ok, feed, user };
}

/** Listens on a free loopback port; resolves to the base URL. */
export async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return `http://127.0.0.1:${address.port}`;
}

/** A parsed stream event. */
export interface StreamEvent { seq: number; type: string; at: number; change?: Partial<IndexEntry> & ModelChange; activity?: { id: string; type: string } }

/** Collects events as they arrive; `until` waits (real time, bounded) for a condition on them. */
class Collector {
  readonly events: StreamEvent[] = [];
  private waiters: Array<() => void> = [];
  push(e: StreamEvent): void {
    this.events.push(e);
    for (const w of this.waiters.splice(0)) w();
  }
  async until(done: (events: StreamEvent[]) => boolean, ms = 5_000): Promise<StreamEvent[]> {
    const deadline = Date.now() + ms;
    while (!done(this.events)) {
      if (Date.now() > deadline) throw new Error(`timed out; got ${JSON.stringify(this.events.map((e) => [e.seq, e.type]))}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
    return this.events;
  }
}

/** An SSE stream read with fetch; `frames` keeps each raw frame's `event:` line for checking the wire form. */
export async function openSse(url: string) {
  const collector = new Collector();
  const controller = new AbortController();
  const res = await fetch(url, { signal: controller.signal, headers: { accept: 'text/event-stream' } });
  expect(res.status).toBe(200);
  const eventLines: string[] = [];
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const lines = frame.split('\n');
          const event = lines.find((l) => l.startsWith('event: '));
          const data = lines.find((l) => l.startsWith('data: '));
          const id = lines.find((l) => l.startsWith('id: '));
          if (!event || !data) continue;
          eventLines.push(event);
          const parsed = JSON.parse(data.slice(6)) as StreamEvent;
          if (id) expect(id.slice(4)).toBe(String(parsed.seq));
          collector.push(parsed);
        }
      }
    } catch { /* aborted */ }
  })();
  cleanups.push(async () => controller.abort());
  return { collector, eventLines, close: () => controller.abort() };
}

/** A WebSocket that sends `subscribe` with `filters` and collects event frames (not replies). */
export async function openWs(url: string, token: string, filters?: Record<string, unknown>) {
  const collector = new Collector();
  const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } });
  cleanups.push(async () => ws.close());
  // The connection subscribes at once (query filters); a `subscribe` message replaces that
  // subscription, so with filters wait for both `subscribed` replies before anything happens.
  // Listen before `open`: the first reply can arrive in the same packet as the upgrade.
  let replies = 0;
  const subscribed = new Promise<void>((resolve, reject) => {
    ws.once('error', reject);
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString()) as StreamEvent & { type: string };
      if (msg.type === 'subscribed') {
        if (++replies === (filters ? 2 : 1)) resolve();
      } else if (typeof msg.seq === 'number' && msg.type !== 'reset') collector.push(msg);
    });
  });
  ws.once('open', () => filters && ws.send(JSON.stringify({ subscribe: { filters } })));
  await subscribed;
  return { collector, ws };
}

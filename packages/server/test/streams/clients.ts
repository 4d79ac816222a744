// Shared by the server's stream suites: a started hub and server on a real loopback port, and
// clients over real sockets — an SSE reader over node:http (frames parsed by hand: `id:`, `event:`,
// `data:`, `retry:`, comments) that can be paused, and a WebSocket client on `ws`. Every wait is
// bounded; everything opened is closed after the test, clients before the server.
import { ActivityHub, MemoryStore, SYSTEM, type ActivitySpec, type ActivityStore, type StreamLimits } from '@activityd/core';
import { buildServer } from '@activityd/server';
import type { Activity, HubEvent } from '@activityd/protocol';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';
import WebSocket from 'ws';

export const TOKEN = 't';
export const AUTH = { authorization: `Bearer ${TOKEN}` };

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Resolves once `check` is true (polled every few ms); throws after `ms` with `label`. */
export async function waitFor(check: () => boolean, label: string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${label}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A started hub (on a MemoryStore unless given `store`; stopping the hub closes it) and its server
 * listening on a free loopback port; closed after the test.
 */
export async function startServer(options: { eventLogSize?: number; streamLimits?: Partial<StreamLimits>; store?: ActivityStore } = {}) {
  const store = options.store ?? new MemoryStore({ eventLogSize: options.eventLogSize });
  const hub = new ActivityHub({ store, streamLimits: options.streamLimits });
  await hub.start();
  await hub.access.bootstrap(TOKEN);
  const app = await buildServer({ hub });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= app.close().then(() => undefined));
  cleanups.push(async () => {
    await close();
    await hub.stop();
  });
  const create = (spec: Partial<ActivitySpec> = {}) => hub.create({ type: 'media.transcode', title: 't', ...spec }, SYSTEM);
  const update = (id: string, patch: Parameters<ActivityHub['update']>[1]) => hub.update(id, patch, SYSTEM);
  const complete = (id: string) => hub.complete(id, { ok: true }, SYSTEM);
  const log = (after = 0): Promise<HubEvent[]> => hub.readLog(after, 1_000_000);
  const lastSeq = async () => (await hub.logBounds()).last;
  return { hub, app, close, create, update, complete, log, lastSeq, http: `http://127.0.0.1:${port}`, ws: `ws://127.0.0.1:${port}` };
}

export type Server = Awaited<ReturnType<typeof startServer>>;

/** One SSE frame, fields as sent. */
export interface SseFrame { id?: string; event?: string; data?: string; retry?: number; comment?: string }
/** An event as a stream sends it (an activity or feed event, a reset, a close). */
export type Item = {
  seq: number; type: string; activity: Activity; activities: Activity[]; code?: string; reason?: string; [key: string]: unknown;
};
/** A parsed JSON reply body, as loosely as the tests read it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/** An SSE stream read over node:http; `paused` opens it without reading a byte until `resume()`. */
export class SseClient {
  readonly frames: SseFrame[] = [];
  /** The `data:` of each frame that has an `event:`, parsed. */
  readonly items: Item[] = [];
  ended = false;
  private buffer = '';
  private readonly waiters = new Set<() => void>();

  constructor(private readonly req: http.ClientRequest, readonly res: http.IncomingMessage, paused: boolean) {
    res.setEncoding('utf8');
    res.once('end', () => this.finish());
    res.once('close', () => this.finish());
    if (paused) res.pause();
    else this.resume();
  }

  /** Starts (again) reading. */
  resume(): void {
    if (this.res.listenerCount('data') === 0) this.res.on('data', (chunk: string) => this.parse(chunk));
    this.res.resume();
  }

  /** Drops the connection, as a network failure would. */
  close(): void {
    this.req.destroy();
  }

  /** Activity and feed events only (no reset, no close). */
  get events(): Item[] {
    return this.items.filter((i) => i.type !== 'reset' && i.type !== 'close');
  }

  /** Waits until `check(this)` holds. */
  async until(check: (c: this) => boolean, label: string, ms = 5_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!check(this)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`SSE: timed out waiting for ${label}; got ${this.items.length} items: ${JSON.stringify(this.items.slice(-5).map((i) => [i.seq, i.type]))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.min(left, 50));
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.waiters.add(done);
      });
    }
  }

  private parse(chunk: string): void {
    this.buffer += chunk;
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const frame: SseFrame = {};
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) {
          frame.comment = line.slice(1).trim();
          continue;
        }
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'data') frame.data = frame.data === undefined ? value : `${frame.data}\n${value}`;
        else if (field === 'retry') frame.retry = Number(value);
        else if (field === 'id' || field === 'event') frame[field] = value;
      }
      this.frames.push(frame);
      if (frame.event !== undefined && frame.data !== undefined) this.items.push({ ...JSON.parse(frame.data), ...(frame.event === 'close' ? { type: 'close' } : {}) });
    }
    this.wake();
  }

  private finish(): void {
    this.ended = true;
    this.wake();
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
    this.waiters.clear();
  }
}

/** Opens `GET path` as an SSE stream; resolves once the response headers are in. */
export function openSse(server: Server, path: string, options: { headers?: Record<string, string>; paused?: boolean; token?: string | null } = {}): Promise<SseClient> {
  const token = options.token === undefined ? TOKEN : options.token;
  return new Promise((resolve, reject) => {
    const req = http.get(`${server.http}${path}`, {
      agent: false,
      headers: { accept: 'text/event-stream', ...(token ? { authorization: `Bearer ${token}` } : {}), ...options.headers },
    }, (res) => {
      const client = new SseClient(req, res, options.paused ?? false);
      cleanups.push(() => client.close());
      resolve(client);
    });
    req.once('error', reject);
  });
}

/** A plain HTTP GET: status, headers and the body, parsed when it is JSON. */
export function get(server: Server, path: string, headers: Record<string, string> = AUTH): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Json }> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${server.http}${path}`, { agent: false, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch { /* not JSON */ }
        resolve({ status: res.statusCode!, headers: res.headers, body });
      });
    });
    req.once('error', reject);
    cleanups.push(() => req.destroy());
  });
}

/** A WebSocket client: every JSON text frame it receives, in order, and how it closed. */
export class WsClient {
  readonly messages: Item[] = [];
  readonly binary: Buffer[] = [];
  closeCode: number | undefined;
  closeReason = '';
  private readonly waiters = new Set<() => void>();

  constructor(readonly socket: WebSocket) {
    socket.on('message', (data, isBinary) => {
      if (isBinary) this.binary.push(data as Buffer);
      else this.messages.push(JSON.parse(data.toString()) as Item);
      this.wake();
    });
    socket.once('close', (code, reason) => {
      this.closeCode = code;
      this.closeReason = reason.toString();
      this.wake();
    });
  }

  /** Activity and feed events only (not replies, resets or closes). */
  get events(): Item[] {
    return this.messages.filter((m) => typeof m.seq === 'number' && m.type !== 'reset' && m.type !== 'subscribed' && m.type !== 'close');
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  async until(check: (c: this) => boolean, label: string, ms = 5_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!check(this)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`WS: timed out waiting for ${label}; got ${JSON.stringify(this.messages.slice(-5).map((m) => [m.seq, m.type]))}, close ${this.closeCode}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.min(left, 50));
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.waiters.add(done);
      });
    }
  }

  /** Waits for the `n`th message (1-based) of `type`, and answers it. */
  async nth(type: string, n = 1, ms?: number): Promise<Item> {
    await this.until((c) => c.messages.filter((m) => m.type === type).length >= n, `${n} × ${type}`, ms);
    return this.messages.filter((m) => m.type === type)[n - 1]!;
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
    this.waiters.clear();
  }
}

/** Opens `path` over WebSocket (token in the header unless `token: null`); resolves once open. */
export function openWs(server: Server, path = '/v1/ws', options: { token?: string | null; headers?: Record<string, string> } = {}): Promise<WsClient> {
  const token = options.token === undefined ? TOKEN : options.token;
  const socket = new WebSocket(`${server.ws}${path}`, { headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...options.headers } });
  const client = new WsClient(socket);
  cleanups.push(() => socket.terminate());
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(client));
    socket.once('error', reject);
  });
}

/** A WebSocket upgrade the server refuses: the HTTP status and JSON body it answers instead. */
export function refusedWs(server: Server, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Json }> {
  const socket = new WebSocket(`${server.ws}${path}`, { headers });
  cleanups.push(() => socket.terminate());
  return new Promise((resolve, reject) => {
    socket.once('open', () => reject(new Error('the upgrade was accepted')));
    socket.once('error', reject);
    socket.once('unexpected-response', (_req, res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : undefined }));
    });
  });
}

/** `[seq, type, activity id]` of each event, for comparing streams with the log. */
export const summary = (items: Array<Item | HubEvent>) => items.map((i) => [i.seq, i.type, 'activity' in i ? i.activity.id : undefined]);
export const increasing = (items: Array<{ seq: number }>) => items.every((e, i) => i === 0 || e.seq > items[i - 1]!.seq);

/**
 * `events` is `log` conflated: a subsequence in order, with every event but `activity.updated`,
 * and the last event of each activity (so only superseded updates are missing).
 */
export function conflatedFrom(events: Item[], log: HubEvent[]): string | null {
  const bySeq = new Map(log.map((e) => [e.seq, e]));
  if (!increasing(events)) return 'not in seq order';
  for (const e of events) {
    const l = bySeq.get(e.seq);
    if (!l || l.type !== e.type) return `seq ${e.seq} is not in the log as ${e.type}`;
  }
  const got = new Set(events.map((e) => e.seq));
  const last = new Map<string, number>();
  for (const e of log) if ('activity' in e) last.set(e.activity.id, e.seq);
  for (const e of log) {
    if (e.type !== 'activity.updated' && !got.has(e.seq)) return `missing ${e.type} ${e.seq}`;
  }
  for (const [id, seq] of last) if (!got.has(seq)) return `missing the last event (${seq}) of ${id}`;
  return null;
}

import websocket from '@fastify/websocket';
import { streamFilter, type ActivityHub, type Principal, type StreamClose, type StreamFilterInput, type Subscription } from '@activityd/core';
import { ActivitydError, StreamQuery, ValidationError, WsClientMessage } from '@activityd/protocol';
import { Ajv } from 'ajv';
import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import { wsFrame } from './frames.js';
import { streamRequest } from './stream-query.js';

/** Options of the WebSocket route. */
export interface WsOptions {
  hub: ActivityHub;
  /** Keep-alive: a peer that does not answer a ping within this long is dropped (default 30 s). */
  pingMs?: number;
}

/** Past this many bytes queued on a socket, the subscription waits for it to drain. */
const HIGH_WATER = 256 * 1024;
const CLOSE_CODES: Record<StreamClose['code'], number> = { too_slow: 1013, draining: 1012 };
const validateMessage = new Ajv({ coerceTypes: false, removeAdditional: false, strict: false }).compile<WsClientMessage>(WsClientMessage);

/** `GET /ws`: the same events as JSON text frames; clients subscribe, resubscribe and unsubscribe. */
export async function wsRoutes(app: FastifyInstance, { hub, pingMs = 30_000 }: WsOptions): Promise<void> {
  if (!app.hasDecorator('websocketServer')) await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
  const alive = new Map<WebSocket, boolean>();
  const ping = setInterval(() => {
    for (const [socket, answered] of alive) {
      if (!answered) socket.terminate();
      else {
        alive.set(socket, false);
        socket.ping();
      }
    }
  }, pingMs);
  ping.unref();
  app.addHook('onClose', async () => clearInterval(ping));

  app.get('/ws', {
    websocket: true,
    schema: { summary: 'Live events over WebSocket', tags: ['events'], querystring: StreamQuery },
  }, (socket, request) => {
    const connection = new WsConnection(hub, socket, request.principal);
    alive.set(socket, true);
    socket.on('pong', () => alive.set(socket, true));
    socket.once('close', () => {
      alive.delete(socket);
      connection.stop();
    });
    const { filters, since } = streamRequest(request.query as StreamQuery);
    void connection.subscribe(filters, since);
  });
}

/** One WebSocket: at most one subscription at a time, replaced by each `subscribe`. */
class WsConnection {
  private subscription: Subscription | undefined;
  private waiting = false;
  private generation = 0;

  constructor(private readonly hub: ActivityHub, private readonly socket: WebSocket, private readonly who: Principal) {
    socket.on('message', (data, isBinary) => this.onMessage(isBinary ? null : data.toString()));
  }

  async subscribe(filters: StreamFilterInput, since: number | undefined): Promise<void> {
    this.stop();
    const generation = ++this.generation;
    try {
      streamFilter(filters);
      const { subscription } = await this.hub.streams.subscribe(this.who, filters, {
        opened: (seq) => this.reply({ type: 'subscribed', seq }),
        send: (item) => this.send(wsFrame(item)),
        close: (close) => this.close(close),
      }, since);
      if (generation !== this.generation || this.socket.readyState !== this.socket.OPEN) subscription.stop();
      else this.subscription = subscription;
    } catch (error) {
      this.replyError(error);
    }
  }

  stop(): void {
    this.subscription?.stop();
    this.subscription = undefined;
  }

  private onMessage(text: string | null): void {
    let message: unknown;
    try {
      message = text === null ? undefined : JSON.parse(text);
    } catch {
      message = undefined;
    }
    if (!validateMessage(message)) {
      this.replyError(new ValidationError('expected {"subscribe": {"filters": {...}, "since": N}} or {"unsubscribe": {}}'));
      return;
    }
    if ('unsubscribe' in message) {
      this.generation++;
      this.stop();
      this.reply({ type: 'unsubscribed' });
      return;
    }
    void this.subscribe(message.subscribe.filters ?? {}, message.subscribe.since);
  }

  /** Sends a frame; `false` once the socket has more queued than it should, until the queue drains. */
  private send(frame: Buffer): boolean {
    this.socket.send(frame, () => {
      if (this.waiting && this.socket.bufferedAmount < HIGH_WATER) {
        this.waiting = false;
        this.subscription?.drained();
      }
    });
    if (this.socket.bufferedAmount >= HIGH_WATER) this.waiting = true;
    return !this.waiting;
  }

  private close(close: StreamClose): void {
    this.reply({ type: 'close', ...close });
    this.socket.close(CLOSE_CODES[close.code], `${close.code}: resume after seq ${close.seq}`);
  }

  private reply(message: object): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(JSON.stringify(message));
  }

  private replyError(error: unknown): void {
    const coded = error instanceof ActivitydError ? error : new ActivitydError('ACT_ERR_INTERNAL', 'could not subscribe');
    this.reply({ type: 'error', ...coded.toJSON() });
  }
}

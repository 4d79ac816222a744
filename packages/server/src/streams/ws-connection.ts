import { streamFilter, type ActivityHub, type Principal, type StreamClose, type StreamFilterInput, type StreamItem, type Subscription } from '@activityd/core';
import { ActivitydError, ValidationError, WsClientMessage } from '@activityd/protocol';
import { Ajv } from 'ajv';
import type { WebSocket } from 'ws';
import { tickCorker } from './ws-cork.js';
import { tcpOf, writeFrame } from './ws-frame.js';

/** Past this many bytes queued on a socket, the subscription waits for it to drain. */
const HIGH_WATER = 256 * 1024;
const TEXT = { binary: false } as const;
const CLOSE_CODES: Record<StreamClose['code'], number> = { too_slow: 1013, draining: 1012 };
const validateMessage = new Ajv({ coerceTypes: false, removeAdditional: false, strict: false }).compile<WsClientMessage>(WsClientMessage);

/** Drops peers that stop answering pings; one timer and two shared listeners for all sockets of a surface. */
export class WsKeepAlive {
  private readonly open = new Set<WebSocket>();
  /** Open sockets that have not answered the last ping. */
  private readonly silent = new Set<WebSocket>();
  private readonly timer: NodeJS.Timeout;
  // Called with the socket as `this`, so no closure is made per socket.
  private readonly onPong: (this: WebSocket) => void;
  private readonly onClose: (this: WebSocket) => void;

  constructor(everyMs: number) {
    const { open, silent } = this;
    this.onPong = function onPong() {
      silent.delete(this);
    };
    this.onClose = function onClose() {
      open.delete(this);
      silent.delete(this);
    };
    this.timer = setInterval(() => {
      for (const socket of open) {
        if (silent.has(socket)) socket.terminate();
        else {
          silent.add(socket);
          socket.ping();
        }
      }
    }, everyMs);
    this.timer.unref();
  }

  watch(socket: WebSocket): void {
    this.open.add(socket);
    socket.on('pong', this.onPong);
    socket.on('close', this.onClose); // emitted once
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** How one WebSocket surface frames items, and whether its clients may send subscribe messages. */
export interface WsFormat {
  frame(item: StreamItem): Buffer;
  interactive: boolean;
}

/** One WebSocket: at most one subscription at a time, replaced by each `subscribe` when interactive. */
export class WsConnection {
  private subscription: Subscription | undefined;
  private waiting = false;
  /** The tick of the last frame sent (see `tickCorker`). */
  private tick = -1;
  /**
   * Did the last tick with frames send more than one? Then this tick's first frame is held too:
   * a stream fed in batches (a SQLite group commit emits its events in one tick) gets one write per
   * batch instead of two, while a fan-out's sockets (one frame a tick each) still write at once.
   */
  private batched = false;
  private generation = 0;

  constructor(private readonly hub: ActivityHub, private readonly socket: WebSocket, private readonly who: Principal, private readonly format: WsFormat) {
    if (format.interactive) socket.on('message', (data, isBinary) => this.onMessage(isBinary ? null : data.toString()));
    socket.on('close', () => this.stop()); // emitted once; `on` spares the wrapper `once` makes
  }

  async subscribe(filters: StreamFilterInput, since: number | undefined): Promise<void> {
    try {
      streamFilter(filters); // a rejected subscribe leaves the current subscription running
    } catch (error) {
      this.replyError(error);
      return;
    }
    this.stop();
    const generation = ++this.generation;
    try {
      const { subscription } = await this.hub.streams.subscribe(this.who, filters, {
        opened: (seq, s) => {
          // Known before the first send: a replay can fill the socket before `subscribe` resolves,
          // and its drain (or the socket's close) must reach the subscription meanwhile.
          if (generation === this.generation) this.subscription = s;
          if (this.format.interactive) this.reply({ type: 'subscribed', seq });
        },
        send: (item) => this.send(this.format.frame(item)),
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

  /** Sends a frame (`textFrame`'s, header included); `false` once the socket has more queued than it should, until the queue drains. */
  private send(frame: Buffer): boolean {
    if (frame.length === 0) return !this.waiting; // the surface sends nothing for this item
    const tick = tickCorker.current();
    if (tick === this.tick) {
      tickCorker.cork(this.socket);
      this.batched = true;
    } else {
      this.tick = tick;
      if (this.batched) tickCorker.cork(this.socket);
      this.batched = false; // until this tick sends a second frame
    }
    // Only a frame that may take the queue past the mark asks to be told when it is written: a
    // callback on every frame costs a tick each, and while waiting nothing else is sent. The queue
    // is read from the TCP socket (what `bufferedAmount` adds up, without its getter chain).
    const queued = tcpOf(this.socket)?.writableLength ?? this.socket.bufferedAmount;
    if (queued + frame.length < HIGH_WATER) {
      writeFrame(this.socket, frame);
      return !this.waiting;
    }
    writeFrame(this.socket, frame, this.written);
    if (this.socket.bufferedAmount >= HIGH_WATER) this.waiting = true;
    return !this.waiting;
  }

  /** The frame that crossed the mark is written; frames sent while waiting (replies) carry this too. */
  private readonly written = (): void => {
    if (this.waiting && this.socket.bufferedAmount < HIGH_WATER) {
      this.waiting = false;
      this.subscription?.drained();
    }
  };

  private close(close: StreamClose): void {
    if (this.format.interactive) this.reply({ type: 'close', ...close });
    this.socket.close(CLOSE_CODES[close.code], `${close.code}: resume after seq ${close.seq}`);
  }

  private reply(message: object): void {
    // A Buffer, like every event frame: `ws`'s send path stays monomorphic, and V8 inlines it.
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(Buffer.from(JSON.stringify(message)), TEXT, this.written);
  }

  private replyError(error: unknown): void {
    const coded = error instanceof ActivitydError ? error : new ActivitydError('ACT_ERR_INTERNAL', 'could not subscribe');
    if (this.format.interactive) this.reply({ type: 'error', ...coded.toJSON() });
    else this.socket.close(1011, coded.code);
  }
}

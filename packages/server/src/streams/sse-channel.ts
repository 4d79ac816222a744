import { requireScope, type ActivityHub, type StreamClose, type StreamFilterInput, type StreamItem, type Subscription } from '@activityd/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';

/** How one SSE surface frames what it sends. */
export interface SseFormat {
  /** The frame of an item (cached per item by the caller's serialiser). */
  frame(item: StreamItem): Buffer;
  /** Written every ping interval while the stream is idle. */
  ping: string;
  /** The last frame when the server ends the stream. */
  close(close: StreamClose): string;
}

/** The open SSE responses of one surface, pinged on one shared timer. */
export class SsePinger {
  readonly open = new Set<ServerResponse>();
  private readonly timer: NodeJS.Timeout;

  constructor(ping: string, everyMs: number) {
    this.timer = setInterval(() => {
      for (const res of this.open) if (res.writableLength === 0) res.write(ping);
    }, everyMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** The reconnect delay suggested to EventSource clients. */
export const SSE_RETRY_MS = 1_000;

/**
 * Turns a request into an SSE stream of a hub subscription: headers that keep proxies from
 * buffering, backpressure through `drain`, and everything released when the connection closes.
 */
export async function openSseStream(
  hub: ActivityHub, request: FastifyRequest, reply: FastifyReply, pinger: SsePinger, format: SseFormat,
  filters: StreamFilterInput, since: number | undefined,
): Promise<void> {
  requireScope(request.principal, 'read'); // a coded 403 before the stream opens, not a close the client retries
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.write(`retry: ${SSE_RETRY_MS}\n\n`);
  pinger.open.add(res);
  let subscription: Subscription | undefined;
  const onDrain = () => subscription?.drained();
  res.on('drain', onDrain);
  res.once('close', () => {
    pinger.open.delete(res);
    res.off('drain', onDrain);
    subscription?.stop();
  });
  try {
    ({ subscription } = await hub.streams.subscribe(request.principal, filters, {
      // Known before the first write: a replay can fill the socket before `subscribe` resolves,
      // and its drain (or the connection's close) must reach the subscription meanwhile.
      opened: (seq, s) => {
        subscription = s;
        // The position the stream starts after, as an `id:` with no data: EventSource keeps it as
        // its Last-Event-ID without dispatching anything, so a stream that dies before its first
        // event (a crash, a cut connection) still resumes from here, not from a later "now".
        res.write(`id: ${seq}\n\n`);
      },
      send: (item) => res.write(format.frame(item)),
      close: (close) => res.end(format.close(close)),
    }, since));
    if (res.destroyed) subscription.stop();
  } catch (error) {
    request.log.warn({ err: error }, 'could not open event stream');
    res.end(format.close({ code: 'draining', reason: 'the event stream could not start; reconnect', seq: since ?? 0 }));
  }
}

import { streamFilter, type ActivityHub, type Subscription } from '@activityd/core';
import { StreamQuery } from '@activityd/protocol';
import type { FastifyInstance } from 'fastify';
import type { ServerResponse } from 'node:http';
import { sseClose, sseFrame } from './frames.js';
import { streamRequest } from './stream-query.js';

/** Options of the SSE route. */
export interface SseOptions {
  hub: ActivityHub;
  /** Comment pings keep proxies from closing idle streams (default 15 s). */
  pingMs?: number;
  /** The reconnect delay suggested to EventSource clients (default 1 s). */
  retryMs?: number;
}

/** `GET /events`: Server-Sent Events, resumable with `Last-Event-ID` or `?since=`. */
export async function sseRoutes(app: FastifyInstance, { hub, pingMs = 15_000, retryMs = 1_000 }: SseOptions): Promise<void> {
  const open = new Set<ServerResponse>();
  const ping = setInterval(() => {
    for (const res of open) if (res.writableLength === 0) res.write(': ping\n\n');
  }, pingMs);
  ping.unref();
  app.addHook('onClose', async () => clearInterval(ping));

  app.get('/events', {
    schema: { summary: 'Live events as Server-Sent Events', tags: ['events'], querystring: StreamQuery },
  }, async (request, reply) => {
    const { filters, since } = streamRequest(request.query as StreamQuery, request.headers['last-event-id']);
    streamFilter(filters); // bad filters are a 400 before the stream opens
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write(`retry: ${retryMs}\n\n`);
    open.add(res);
    let subscription: Subscription | undefined;
    const onDrain = () => subscription?.drained();
    res.on('drain', onDrain);
    res.once('close', () => {
      open.delete(res);
      res.off('drain', onDrain);
      subscription?.stop();
    });
    try {
      ({ subscription } = await hub.streams.subscribe(request.principal, filters, {
        send: (item) => res.write(sseFrame(item)),
        close: (close) => res.end(sseClose(close, retryMs)),
      }, since));
      if (res.destroyed) subscription.stop();
    } catch (error) {
      request.log.warn({ err: error }, 'could not open event stream');
      res.end(sseClose({ code: 'draining', reason: 'the event stream could not start; reconnect', seq: since ?? 0 }, retryMs));
    }
  });
}

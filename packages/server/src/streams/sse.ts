import { streamFilter, type ActivityHub } from '@activityd/core';
import { StreamQuery } from '@activityd/protocol';
import type { FastifyInstance } from 'fastify';
import { sseFrame } from './frames.js';
import { openSseStream, SSE_RETRY_MS, SsePinger, type SseFormat } from './sse-channel.js';
import { streamRequest } from './stream-query.js';

/** Options of the SSE route. */
export interface SseOptions {
  hub: ActivityHub;
  /** Comment pings keep proxies from closing idle streams (default 15 s). */
  pingMs?: number;
}

const format: SseFormat = {
  frame: sseFrame,
  ping: ': ping\n\n',
  // An EventSource drops events without data, so the close reason goes in `data:`.
  close: (close) => `event: close\ndata: ${JSON.stringify(close)}\nretry: ${SSE_RETRY_MS}\n\n`,
};

/** `GET /events`: Server-Sent Events, resumable with `Last-Event-ID` or `?since=`. */
export async function sseRoutes(app: FastifyInstance, { hub, pingMs = 15_000 }: SseOptions): Promise<void> {
  const pinger = new SsePinger(format.ping, pingMs);
  app.addHook('onClose', async () => pinger.stop());
  app.get('/events', {
    schema: { summary: 'Live events as Server-Sent Events', tags: ['events'], querystring: StreamQuery },
  }, async (request, reply) => {
    const { filters, since } = streamRequest(request.query as StreamQuery, request.headers['last-event-id']);
    streamFilter(filters); // bad filters are a 400 before the stream opens
    await openSseStream(hub, request, reply, pinger, format, filters, since);
  });
}

import { isActivityEvent, type HubEvent } from '@activityd/protocol';
import type { ActivityHub, StreamFilterInput, StreamItem } from '@activityd/core';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Authenticator } from '../../auth.js';
import { useApiScope } from '../../api-scope.js';
import { listParam } from '../../query.js';
import { cachedFrames } from '../../streams/frames.js';
import { textFrame } from '../../streams/ws-frame.js';
import { adoptSocket, socketErrorLogger } from '../../streams/ws-adopt.js';
import { openSseStream, SSE_RETRY_MS, SsePinger, type SseFormat } from '../../streams/sse-channel.js';
import { useWebSocket } from '../../streams/ws.js';
import { WsConnection, WsKeepAlive } from '../../streams/ws-connection.js';
import { plexEvent, plexXml, toPlex } from './plex-activity.js';
import { usePlexErrors } from './plex-errors.js';

const LIST_PAGE = 1_000;
/** Plex streams carry activities only, never the change feed. */
const PLEX_FILTERS: StreamFilterInput = { feed: false };
const NotificationQuery = Type.Object({
  filters: Type.Optional(Type.Array(Type.String({ maxLength: 200 }))),
  filter: Type.Optional(Type.Array(Type.String({ maxLength: 200 }))),
});

/** `{event, uuid, Activity}`: one activity notification. */
function notificationOf(item: StreamItem) {
  const event = item as HubEvent;
  if (item.type === 'reset' || !isActivityEvent(event)) return null;
  return { event: plexEvent(event.type), uuid: event.activity.id, Activity: toPlex(event.activity) };
}

const sseFrame = cachedFrames((item) => {
  const n = notificationOf(item);
  return n ? `event: activity\ndata: ${JSON.stringify({ ActivityNotification: n })}\n\n` : '';
});
const wsFrame = cachedFrames((item) => {
  const n = notificationOf(item);
  return n ? JSON.stringify({ NotificationContainer: { type: 'activity', size: 1, ActivityNotification: [n] } }) : '';
}, textFrame);

const sseFormat: SseFormat = {
  frame: sseFrame,
  ping: 'event: ping\ndata: {}\n\n',
  close: (close) => `event: close\ndata: ${JSON.stringify(close)}\nretry: ${SSE_RETRY_MS}\n\n`,
};

/** `filters=` and repeated `filter=` name notification types; absent or empty means all. Only `activity` exists here. */
function wantsActivities(request: FastifyRequest): boolean {
  const q = request.query as { filters?: string[]; filter?: string[] };
  const types = [...(listParam(q.filters) ?? []), ...(listParam(q.filter) ?? [])];
  return types.length === 0 || types.includes('activity');
}

/**
 * The Plex Media Server activities API, at the server root: the list, cancel, and the
 * notification streams, in Plex's names, types and status codes — a thin adapter over the hub.
 */
export async function plexRoutes(app: FastifyInstance, { hub, auth }: { hub: ActivityHub; auth?: Authenticator }): Promise<void> {
  useApiScope(app, auth ?? hub.access);
  usePlexErrors(app);
  await useWebSocket(app);
  const pinger = new SsePinger(sseFormat.ping, 10_000);
  const keepAlive = new WsKeepAlive(30_000);
  const onSocketError = socketErrorLogger(app.log);
  app.addHook('onClose', async () => {
    pinger.stop();
    keepAlive.stop();
  });

  app.get('/activities', { schema: { summary: 'Plex: the running activities', tags: ['plex'] } }, async (request, reply) => {
    const activities = [];
    let cursor: string | undefined;
    do {
      const page = await hub.list({ state: ['running'], limit: LIST_PAGE, cursor }, request.principal);
      activities.push(...page.activities.map(toPlex));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    if (/application\/json/i.test(request.headers.accept ?? '')) {
      return reply.header('content-type', 'application/json').send(Buffer.from(JSON.stringify({ MediaContainer: { size: activities.length, Activity: activities } })));
    }
    return reply.header('content-type', 'text/xml;charset=utf-8').send(plexXml(activities));
  });

  app.delete('/activities/:uuid', {
    schema: { summary: 'Plex: cancel an activity (200; 400 not cancellable; 404 unknown)', tags: ['plex'], params: Type.Object({ uuid: Type.String({ maxLength: 200 }) }) },
  }, async (request, reply) => {
    await hub.cancel((request.params as { uuid: string }).uuid, request.principal);
    return reply.code(200).send();
  });

  app.get('/::/eventsource/notifications', { schema: { summary: 'Plex: notifications as Server-Sent Events', tags: ['plex'], querystring: NotificationQuery } }, async (request, reply) => {
    if (!wantsActivities(request)) {
      reply.hijack();
      // Headers and `retry:` at once, as on every event stream: an EventSource opens now, not at the first ping.
      reply.raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      reply.raw.write(`retry: ${SSE_RETRY_MS}\n\n`);
      pinger.open.add(reply.raw);
      reply.raw.once('close', () => pinger.open.delete(reply.raw));
      return;
    }
    await openSseStream(hub, request, reply, pinger, sseFormat, PLEX_FILTERS, undefined);
  });

  for (const path of ['/::/websockets/notifications', '/::/websocket/notifications']) {
    app.get(path, { websocket: true, schema: { summary: 'Plex: notifications over WebSocket', tags: ['plex'], querystring: NotificationQuery } }, (socket, request) => {
      adoptSocket(socket, request, onSocketError);
      keepAlive.watch(socket);
      if (wantsActivities(request)) void new WsConnection(hub, socket, request.principal, { frame: wsFrame, interactive: false }).subscribe(PLEX_FILTERS, undefined);
    });
  }
}

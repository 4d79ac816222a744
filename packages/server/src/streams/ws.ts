import websocket from '@fastify/websocket';
import type { ActivityHub } from '@activityd/core';
import { StreamQuery } from '@activityd/protocol';
import type { FastifyInstance } from 'fastify';
import { wsFrame } from './frames.js';
import { adoptSocket, socketErrorLogger } from './ws-adopt.js';
import { streamRequest } from './stream-query.js';
import { WsConnection, WsKeepAlive } from './ws-connection.js';

/** Options of the WebSocket route. */
export interface WsOptions {
  hub: ActivityHub;
  /** Keep-alive: a peer that does not answer a ping within this long is dropped (default 30 s). */
  pingMs?: number;
}

/** Registers `@fastify/websocket` once per app, whoever asks first. */
export async function useWebSocket(app: FastifyInstance): Promise<void> {
  if (!app.hasDecorator('websocketServer')) await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
}

/** `GET /ws`: the same events as JSON text frames; clients subscribe, resubscribe and unsubscribe. */
export async function wsRoutes(app: FastifyInstance, { hub, pingMs = 30_000 }: WsOptions): Promise<void> {
  await useWebSocket(app);
  const keepAlive = new WsKeepAlive(pingMs);
  const onSocketError = socketErrorLogger(app.log);
  app.addHook('onClose', async () => keepAlive.stop());
  app.get('/ws', {
    websocket: true,
    schema: { summary: 'Live events over WebSocket', tags: ['events'], querystring: StreamQuery },
  }, (socket, request) => {
    adoptSocket(socket, request, onSocketError);
    keepAlive.watch(socket);
    const { filters, since } = streamRequest(request.query as StreamQuery);
    void new WsConnection(hub, socket, request.principal, { frame: wsFrame, interactive: true }).subscribe(filters, since);
  });
}

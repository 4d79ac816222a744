import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';

/**
 * Lets an upgraded socket keep nothing of the HTTP request that opened it. `@fastify/websocket`
 * leaves each open socket holding the upgrade's Fastify request and reply (through its `error`
 * listener), their child logger, and a `ServerResponse` still assigned to the TCP socket: about
 * 2 KiB per connection, a fifth of a subscriber's memory. Call it first thing in a `websocket: true`
 * handler; afterwards keep only what the connection needs (the principal, the filters).
 */
export function adoptSocket(socket: WebSocket, request: FastifyRequest, onError: (error: Error) => void): void {
  // The plugin's listener closes over request and reply; one listener shared by every socket
  // replaces it, so the socket still always has one (an `error` without a listener would throw).
  socket.removeAllListeners('error');
  socket.on('error', onError);
  const tcp: Socket = request.raw.socket;
  // Node's own link from a socket to the response it serves; nothing is ever written to this one.
  const response = (tcp as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
  if (response && response.req === request.raw) response.detachSocket(tcp);
}

/** The `error` listener of a surface's sockets: `ws` closes a socket after an error; this only logs it. */
export function socketErrorLogger(log: FastifyBaseLogger): (error: Error) => void {
  return (error) => log.debug({ err: error }, 'websocket error');
}

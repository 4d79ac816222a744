import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { WsKeepAlive } from '../../src/streams/ws-connection.js';
import { waitFor } from './clients.js';

// The keep-alive over real sockets: a peer that answers pings stays, one that stops is dropped.

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

async function serverWith(keepAlive: WsKeepAlive): Promise<{ url: string; open: Set<WebSocket> }> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  const open = new Set<WebSocket>();
  wss.on('connection', (socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    keepAlive.watch(socket);
  });
  cleanups.push(() => {
    keepAlive.stop();
    for (const socket of wss.clients) socket.terminate();
    wss.close();
  });
  return { url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, open };
}

function connect(url: string, autoPong: boolean): Promise<WebSocket> {
  const ws = new WebSocket(url, { autoPong });
  ws.on('error', () => {});
  cleanups.push(() => ws.terminate());
  return new Promise((resolve) => ws.once('open', () => resolve(ws)));
}

describe('WsKeepAlive', () => {
  it('drops a peer that stops answering pings and keeps one that answers', async () => {
    const { url, open } = await serverWith(new WsKeepAlive(50));
    const answering = await connect(url, true);
    const silent = await connect(url, false);
    let pings = 0;
    answering.on('ping', () => pings++);
    const silentClosed = new Promise<void>((resolve) => silent.once('close', () => resolve()));
    await waitFor(() => open.size === 2, 'both connected');
    await silentClosed;
    await waitFor(() => pings >= 4, 'four pings answered');
    expect(answering.readyState).toBe(WebSocket.OPEN);
    expect(open.size).toBe(1);
  });

  it('holds no reference to a closed socket', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const { url, open } = await serverWith(new WsKeepAlive(20));
    const ws = await connect(url, true);
    await waitFor(() => open.size === 1, 'connected');
    const socket = new WeakRef([...open][0]!);
    ws.close();
    await waitFor(() => open.size === 0, 'closed');
    for (let i = 0; i < 3 && socket.deref(); i++) {
      await new Promise((resolve) => setTimeout(resolve, 30)); // a ping round passes
      gc();
    }
    expect(socket.deref()).toBeUndefined();
  });
});

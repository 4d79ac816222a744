import { describe, expect, it } from 'vitest';
import http from 'node:http';
import WebSocket from 'ws';
import { AUTH, startServer, TOKEN, waitFor, type Server } from './clients.js';

// 1,000 connect/disconnect cycles per transport, in parallel batches, with events flowing: once
// the sockets are gone, no subscription, buffered event, hub listener or connection remains.

const CYCLES = 1_000;
const BATCH = 50;

/** One SSE connection: dropped on its headers, on its first bytes, or after its subscription has seen an event. */
function sseCycle(s: Server, i: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${s.http}/v1/events${i % 3 === 0 ? '?type=media.*' : ''}`, { agent: false, headers: AUTH }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`status ${res.statusCode}`));
      if (i % 4 === 0) {
        req.destroy();
        return;
      }
      let seen = '';
      res.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        if (i % 4 === 1 || seen.includes('event:')) req.destroy();
      });
    });
    req.on('close', () => resolve());
    req.on('error', () => resolve());
  });
}

/** One WebSocket: closed or terminated on open, or after `subscribed`, or after re-subscribing. */
function wsCycle(s: Server, i: number): Promise<void> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${s.ws}/v1/ws?token=${TOKEN}`);
    ws.on('error', () => {});
    ws.on('close', () => resolve());
    const end = () => (i % 2 === 0 ? ws.close() : ws.terminate());
    ws.on('open', () => {
      if (i % 5 === 0) end();
      else if (i % 5 === 1) ws.send(JSON.stringify({ subscribe: { since: 0 } })); // a replay in flight
    });
    let replies = 0;
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString()) as { type: string };
      if (m.type === 'subscribed' && ++replies >= (i % 5 === 1 ? 2 : 1)) end();
    });
  });
}

async function cycles(s: Server, cycle: (s: Server, i: number) => Promise<void>) {
  const a = await s.create();
  let progress = 0;
  for (let start = 0; start < CYCLES; start += BATCH) {
    let done = false;
    const batch = Promise.all(Array.from({ length: BATCH }, (_, k) => cycle(s, start + k))).finally(() => (done = true));
    // Events while connections come and go (some cycles wait for one).
    while (!done) {
      await s.update(a.id, { progress: (progress = (progress + 1) % 100) });
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    await batch;
  }
}

const connections = (s: Server) => new Promise<number>((resolve, reject) => s.app.server.getConnections((e, n) => (e ? reject(e) : resolve(n))));

describe(`${CYCLES} connect/disconnect cycles`, () => {
  for (const [name, cycle] of [['SSE', sseCycle], ['WebSocket', wsCycle]] as const) {
    it(`${name}: subscriptions, buffers, hub listeners and connections all back to zero`, async () => {
      const s = await startServer();
      const listeners = s.hub.listenerCount('event'); // the server's own (metrics)
      await cycles(s, cycle);
      let open = -1;
      await waitFor(() => s.hub.streams.size === 0, 'no subscription', 10_000);
      expect(s.hub.streams.buffered).toBe(0);
      expect(s.hub.listenerCount('event')).toBe(listeners);
      for (let i = 0; i < 200 && (open = await connections(s)) > 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(open).toBe(0);
      // Still serving: a new subscriber works and is released again.
      await cycle(s, 1); // a cycle that needs no further event
      await waitFor(() => s.hub.streams.size === 0, 'the last subscription released');
      expect(s.hub.listenerCount('event')).toBe(listeners);
    }, 60_000); // ~2 s idle; generous for a loaded 2-core machine
  }
});

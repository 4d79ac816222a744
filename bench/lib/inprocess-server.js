// The server side of bench/inprocess-progress.js, run as a child process: work in this process
// reporting progress as fast as it can, and one WebSocket subscriber (in another process) watching.
//
//   node bench/lib/inprocess-server.js ours   # ActivityHub + MemoryStore + buildServer (the built packages);
//                                              # one hub.run() whose work does `await ctx.progress(i % 101)` in a loop
//   node bench/lib/inprocess-server.js bare   # node:http + `ws`; a loop that builds the same event object,
//                                              # JSON.stringify()s it and ws.send()s it to the one client,
//                                              # waiting for the socket only past the same 256 KiB high-water
//                                              # mark activityd's WebSocket connection uses
import { performance } from 'node:perf_hooks';
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import process from 'node:process';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { WebSocketServer } from 'ws';
import { serveCommands } from './fanout-common.js';

const side = process.argv[2];
if (side !== 'ours' && side !== 'bare') throw new Error('usage: inprocess-server.js ours|bare');

const TOKEN = 't';
const HIGH_WATER = 256 * 1024;
const MAX_UPDATES = 100_000_000; // every loop is bounded, whatever the clock does

let calls = 0;
let written = 0;
let running = null;
let url;
let close;

if (side === 'ours') {
  const { ActivityHub, MemoryStore } = await import('@activityd/core');
  const { buildServer } = await import('@activityd/server');
  const hub = new ActivityHub({ store: new MemoryStore() });
  await hub.start();
  await hub.access.bootstrap(TOKEN);
  hub.on('activity.updated', () => written++);
  const app = await buildServer({ hub });
  await app.listen({ port: 0, host: '127.0.0.1' });
  url = `ws://127.0.0.1:${app.server.address().port}/v1/ws?token=${TOKEN}`;
  running = (durationMs, yieldEvery) => hub.run({ type: 'bench.inprocess', title: 'in-process progress' }, async (ctx) => {
    const until = performance.now() + durationMs;
    let i = 0;
    for (; i < MAX_UPDATES && performance.now() < until; i++) {
      await ctx.progress(i % 101);
      if (yieldEvery && i % yieldEvery === yieldEvery - 1) await yieldToLoop();
    }
    calls = i;
  }).then(({ ended }) => ended);
  close = async () => {
    await app.close();
    await hub.stop();
  };
} else {
  const server = http.createServer((_req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({ server, path: '/ws', maxPayload: 64 * 1024 });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `ws://127.0.0.1:${server.address().port}/ws`;
  const id = randomUUID();
  const createdAt = Date.now();
  running = async (durationMs, yieldEvery) => {
    const [socket] = wss.clients;
    if (!socket) throw new Error('no subscriber connected');
    const until = performance.now() + durationMs;
    let i = 0;
    for (; i < MAX_UPDATES && performance.now() < until; i++) {
      const now = Date.now();
      const seq = i + 2;
      const json = JSON.stringify({
        seq, type: 'activity.updated', at: now,
        activity: {
          id, type: 'bench.inprocess', title: 'in-process progress', subtitle: null, state: 'running', progress: i % 101,
          cancellable: true, owner: null, groups: [], context: {}, result: null, error: null, parentId: null,
          createdAt, updatedAt: now, endedAt: null, leaseExpiresAt: null, leaseMs: null, heartbeatMs: null, seq,
        },
      });
      written++;
      if (socket.bufferedAmount < HIGH_WATER) socket.send(json);
      else await new Promise((resolve) => socket.send(json, resolve));
      if (yieldEvery && i % yieldEvery === yieldEvery - 1) await yieldToLoop();
    }
    calls = i;
  };
  close = () => new Promise((resolve) => {
    for (const socket of wss.clients) socket.terminate();
    server.close(() => resolve());
  });
}

let finished = null;
serveCommands({
  address: () => ({ url }),
  /** Starts the loop for `durationMs` (answers at once; `finish` waits for it). */
  run({ durationMs, yieldEvery = 0 }) {
    // Started on the next turn, after this answer is on its way: the bare loop never yields.
    finished = yieldToLoop().then(() => running(durationMs, yieldEvery));
    return {};
  },
  async finish() {
    await finished;
    const mem = process.memoryUsage();
    return { calls, written, rss: mem.rss, heapUsed: mem.heapUsed };
  },
}, { onExit: () => close?.() });

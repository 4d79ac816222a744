// The baseline of bench/fanout.js, run as a child process: a bare broadcaster on node:http, no
// framework, no store, no filters, no per-subscriber buffers.
//
//   node bench/lib/fanout-bare-broadcaster.js ws    # GET /ws upgrades with `ws`; every event is one text frame to every socket
//   node bench/lib/fanout-bare-broadcaster.js sse   # GET /events is an SSE stream; every event is one write to every response
//
// Events come in the way they come into activityd: a keep-alive HTTP request from the driver,
// `POST /publish {"a": <activity>, "n": <event number>, "t": <send time, µs>, "progress": N}`. The
// broadcaster builds the same event object activityd would send (same fields, same sizes, the send
// time in `activity.context`), serialises it once and writes that one buffer to every subscriber.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { WebSocketServer } from 'ws';
import { serveCommands } from './fanout-common.js';

const transport = process.argv[2];
if (transport !== 'ws' && transport !== 'sse') throw new Error('usage: fanout-bare-broadcaster.js ws|sse');

const TEXT = { binary: false };
const LEASE_MS = 90_000;
const createdAt = Date.now();
const ids = new Map();
let seq = 0;
let published = 0;

/** An `activity.updated` event shaped like activityd's, serialised once. */
function eventJson({ a, n, t, progress }) {
  let id = ids.get(a);
  if (!id) ids.set(a, (id = randomUUID()));
  const now = Date.now();
  seq++;
  const activity = {
    id, type: 'bench.fanout', title: `fan-out ${a}`, subtitle: null, state: 'running', progress, cancellable: true,
    owner: 1, groups: ['root'], context: { bn: n, bt: t }, result: null, error: null, parentId: null,
    createdAt, updatedAt: now, endedAt: null, leaseExpiresAt: now + LEASE_MS, leaseMs: LEASE_MS, heartbeatMs: 30_000, seq,
  };
  return JSON.stringify({ seq, type: 'activity.updated', at: now, activity });
}

const sseClients = new Set();
let wss = null;

function broadcast(body) {
  const json = eventJson(body);
  published++;
  if (wss) {
    const frame = Buffer.from(json);
    for (const socket of wss.clients) socket.send(frame, TEXT);
  } else {
    const frame = Buffer.from(`id: ${seq}\nevent: activity.updated\ndata: ${json}\n\n`);
    for (const res of sseClients) res.write(frame);
  }
}

const server = http.createServer((req, res) => {
  if (req.method === 'POST' && req.url === '/publish') {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      let body;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString());
      } catch {
        res.writeHead(400).end();
        return;
      }
      broadcast(body);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`{"seq":${seq}}`);
    });
  } else if (req.method === 'GET' && req.url.startsWith('/events') && transport === 'sse') {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 1000\n\n');
    sseClients.add(res);
    res.once('close', () => sseClients.delete(res));
  } else {
    res.writeHead(404).end();
  }
});
server.keepAliveTimeout = 60_000;
if (transport === 'ws') wss = new WebSocketServer({ server, path: '/ws', maxPayload: 64 * 1024 });

const listening = new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));

serveCommands({
  async address() {
    await listening;
    return { url: `http://127.0.0.1:${server.address().port}/` };
  },
  sample() {
    return { subscribers: wss ? wss.clients.size : sseClients.size, published };
  },
}, {
  onExit: () => new Promise((resolve) => {
    for (const res of sseClients) res.destroy();
    if (wss) for (const socket of wss.clients) socket.terminate();
    server.close(() => resolve());
    setTimeout(resolve, 2_000).unref();
  }),
});

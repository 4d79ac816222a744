// The baseline of bench/http-progress.js, run as a child process (forked, with IPC): a bare
// node:http server that does the least a progress endpoint can do. It reads the body, parses the
// JSON, checks `progress` is a number in 0..100, hands the update to one subscriber and answers
// 200 with a small JSON body. Nothing is stored, nobody is authenticated.
// BENCH_SUBSCRIBER=ws: the subscriber is a WebSocket client on /v1/ws (the `ws` package that
// @activityd/server already depends on); each update is serialised once and sent to it.
// BENCH_SUBSCRIBER=listener: the subscriber is an in-process callback that counts deliveries.
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { serveIpc } from './http-progress-ipc.js';

const subscriber = process.env.BENCH_SUBSCRIBER ?? 'ws';
const PREFIX = '/v1/activities/';
const LIMIT = 1024 * 1024;

let deliveries = 0;
let seq = 0;
/** @type {Set<import('ws').WebSocket>} */
const sockets = new Set();

/** @type {(event: { seq: number, type: string, at: number, activity: { id: string, progress: number } }) => void} */
const deliver = subscriber === 'listener'
  ? (event) => {
    if (event.type === 'activity.updated') deliveries++;
  }
  : (event) => {
    const frame = Buffer.from(JSON.stringify(event));
    for (const socket of sockets) socket.send(frame);
  };

function reply(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const server = createServer((req, res) => {
  if ((req.method !== 'POST' && req.method !== 'PATCH') || !req.url.startsWith(PREFIX)) {
    reply(res, 404, { error: { code: 'ACT_ERR_NOT_FOUND', message: 'not found' } });
    return;
  }
  const chunks = [];
  let size = 0;
  req.on('data', (chunk) => {
    size += chunk.length;
    if (size <= LIMIT) chunks.push(chunk);
  });
  req.on('end', () => {
    if (size > LIMIT) return reply(res, 413, { error: { code: 'ACT_ERR_BODY_TOO_LARGE', message: 'too large' } });
    let body;
    try {
      body = JSON.parse(Buffer.concat(chunks, size).toString('utf8'));
    } catch {
      return reply(res, 400, { error: { code: 'ACT_ERR_VALIDATION', message: 'malformed JSON' } });
    }
    const progress = body?.progress;
    if (typeof progress !== 'number' || !(progress >= 0 && progress <= 100)) {
      return reply(res, 400, { error: { code: 'ACT_ERR_VALIDATION', message: 'progress must be a number in 0..100' } });
    }
    const id = req.url.slice(PREFIX.length);
    const at = Date.now();
    deliver({ seq: ++seq, type: 'activity.updated', at, activity: { id, progress } });
    reply(res, 200, { id, progress, updatedAt: at, seq });
  });
});

if (subscriber === 'ws') {
  const serverRequire = createRequire(new URL('../../packages/server/package.json', import.meta.url));
  const { WebSocketServer } = /** @type {typeof import('ws')} */ (serverRequire('ws'));
  const wss = new WebSocketServer({ server, path: '/v1/ws', maxPayload: 64 * 1024 });
  wss.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.send(JSON.stringify({ type: 'subscribed', seq }));
  });
}

server.listen(0, '127.0.0.1', () => {
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  serveIpc({
    url: `http://127.0.0.1:${port}/`,
    deliveries: () => deliveries,
    close: () => new Promise((resolve) => {
      for (const socket of sockets) socket.terminate();
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  });
});

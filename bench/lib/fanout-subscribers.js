// The subscribers of bench/fanout.js, run as a child process of their own (the server's process
// keeps its file descriptors to itself: ~20,000 per process here, 10,000 sockets on each side).
//
// Opens N WebSocket (`ws`) or SSE (node:http) connections to one server, in batches, and counts the
// benchmark's events they receive: each carries `"bn":<event number>,"bt":<send time, µs>` (in the
// activity's context), found with a byte search rather than a JSON parse so that the subscriber
// side stays cheap. It can record send-to-receive latencies (same machine, same monotonic clock),
// and in `ack` mode tells the parent the highest event number every open subscriber has received,
// which the driver uses to keep a bounded number of events in flight end to end.
import http from 'node:http';
import process from 'node:process';
import WebSocket from 'ws';
import { nowMicros, percentiles, readIntAt, serveCommands } from './fanout-common.js';

const NEEDLE_N = Buffer.from('"bn":');
const NEEDLE_T = Buffer.from('"bt":');
const FRAME_END = Buffer.from('\n\n');
const RING = 4096; // > the largest window the driver may use
const CONNECT_TIMEOUT_MS = 30_000;

/** @type {Array<{ destroy(): void }>} */
let subs = [];
let open = 0;
let ready = 0;
let closed = 0;
let errors = 0;
let received = 0;
let other = 0;
let lastError = '';

// Latency recording.
let recording = false;
let latencies = new Float64Array(0);
let latencyCount = 0;
let latencyDropped = 0;

// Ack mode: the highest event number n such that every open subscriber has received n or later.
let acking = false;
let latest = new Int32Array(0);
const reached = new Int32Array(RING);
let acked = -1;
let ackScheduled = false;

function sendAck() {
  ackScheduled = false;
  process.send({ event: 'ack', n: acked });
}

function onEvent(index, n, t, now) {
  received++;
  if (recording) {
    if (latencyCount < latencies.length) latencies[latencyCount++] = now - t;
    else latencyDropped++;
  }
  if (!acking) return;
  const from = Math.max(latest[index], acked);
  if (n <= from) return;
  for (let j = from + 1; j <= n; j++) reached[j % RING]++;
  latest[index] = n;
  let advanced = false;
  while (ready > 0 && reached[(acked + 1) % RING] >= ready) {
    acked++;
    reached[acked % RING] = 0;
    advanced = true;
  }
  if (advanced && !ackScheduled) {
    ackScheduled = true;
    setImmediate(sendAck);
  }
}

/** One frame's bytes, `buf[start, end)`: a benchmark event, or something else (pings, replies, starts). */
function onFrame(index, buf, start, end, now) {
  const p = buf.indexOf(NEEDLE_N, start);
  if (p < 0 || p >= end) {
    other++;
    return;
  }
  const n = readIntAt(buf, p + NEEDLE_N.length);
  const q = buf.indexOf(NEEDLE_T, p);
  const t = q < 0 || q >= end ? NaN : readIntAt(buf, q + NEEDLE_T.length);
  if (n >= 0) onEvent(index, n, t, now);
}

function failed(error) {
  errors++;
  lastError = error?.message ?? String(error);
}

function openWs(index, url, readyOnSubscribed) {
  return new Promise((resolve) => {
    let isReady = false;
    let isOpen = false;
    const socket = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: CONNECT_TIMEOUT_MS });
    const markReady = () => {
      if (isReady) return;
      isReady = true;
      ready++;
      resolve(true);
    };
    socket.on('open', () => {
      isOpen = true;
      open++;
      if (!readyOnSubscribed) markReady();
    });
    socket.on('message', (data) => {
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      if (!isReady && buf.includes('"subscribed"')) {
        other++;
        markReady();
        return;
      }
      onFrame(index, buf, 0, buf.length, recording ? nowMicros() : 0);
    });
    socket.on('error', failed);
    socket.on('close', () => {
      if (isOpen) open--;
      if (isReady) ready--;
      closed++;
      resolve(false);
    });
    subs[index] = { destroy: () => socket.terminate() };
  });
}

function openSse(index, url, headers) {
  return new Promise((resolve) => {
    let isReady = false;
    const req = http.get(url, { agent: false, headers: { accept: 'text/event-stream', ...headers } });
    req.setTimeout(CONNECT_TIMEOUT_MS, () => {
      if (!isReady) req.destroy(new Error('SSE connect timed out'));
    });
    req.on('response', (res) => {
      if (res.statusCode !== 200) {
        failed(new Error(`SSE answered ${res.statusCode}`));
        res.resume();
        req.destroy();
        return;
      }
      req.setTimeout(0);
      isReady = true;
      open++;
      ready++;
      resolve(true);
      let rest = null;
      res.on('data', (chunk) => {
        const now = recording ? nowMicros() : 0;
        const buf = rest ? Buffer.concat([rest, chunk]) : chunk;
        let pos = 0;
        for (let end = buf.indexOf(FRAME_END, pos); end >= 0; end = buf.indexOf(FRAME_END, pos)) {
          onFrame(index, buf, pos, end, now);
          pos = end + 2;
        }
        rest = pos < buf.length ? buf.subarray(pos) : null;
      });
      res.on('error', failed);
    });
    req.on('error', failed);
    req.on('close', () => {
      if (isReady) {
        open--;
        ready--;
      }
      closed++;
      resolve(false);
    });
    subs[index] = { destroy: () => req.destroy() };
  });
}

serveCommands({
  /** Opens `count` connections, at most `batch` connecting at once. */
  async connect({ transport, url, headers = {}, count, batch, readyOnSubscribed = false }) {
    const started = Date.now();
    subs = new Array(count);
    latest = new Int32Array(count).fill(-1);
    let next = 0;
    let connected = 0;
    const worker = async () => {
      while (next < count) {
        const index = next++;
        const ok = await (transport === 'ws' ? openWs(index, url, readyOnSubscribed) : openSse(index, url, headers));
        if (ok) connected++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(batch, count) }, worker));
    return { connected, failed: count - connected, ms: Date.now() - started, lastError };
  },

  sample() {
    const cpu = process.cpuUsage();
    return { at: nowMicros(), open, ready, closed, errors, received, other, acked, lastError, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
  },

  /** Starts recording send-to-receive latencies, up to `capacity` of them. */
  record({ capacity }) {
    latencies = new Float64Array(capacity);
    latencyCount = 0;
    latencyDropped = 0;
    recording = true;
    return {};
  },

  /** Stops recording; answers percentiles in µs. */
  stopRecording() {
    recording = false;
    const result = { ...percentiles(latencies.subarray(0, latencyCount)), dropped: latencyDropped };
    latencies = new Float64Array(0);
    return result;
  },

  /** Turns ack mode on (from event number 0) or off. */
  ack({ on }) {
    acking = on;
    acked = -1;
    reached.fill(0);
    latest.fill(-1);
    return {};
  },

  close() {
    for (const s of subs) s?.destroy();
    return { closed };
  },
}, {
  onExit: () => {
    for (const s of subs) s?.destroy();
  },
});

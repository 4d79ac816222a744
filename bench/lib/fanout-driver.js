// The event source of bench/fanout.js, run as a child process of its own: keep-alive HTTP requests
// that make the server under test publish one event each, stamped with the send time (µs on the
// machine's monotonic clock) and an event number.
//   activityd: PATCH /v1/activities/:id {"progress": n % 101, "context": {"bn": n, "bt": t}} over
//              `activities` activities created by `setup`, round robin;
//   bare:      POST /publish {"a": n % activities, "n": n, "t": t, "progress": n % 101}.
// Two ways to send:
//   window: event n goes out once the subscribers have all received event n - window (acks come
//           from the subscriber child through the parent), so the pipeline is full but nothing
//           piles up in anyone's buffers: the measured rate is what server and subscribers sustain;
//   rate:   a fixed number of events per second, on a timer, whatever happens (for latency).
import { setInterval, clearInterval } from 'node:timers';
import http from 'node:http';
import process from 'node:process';
import { nowMicros, serveCommands } from './fanout-common.js';

/** Past this long without the window moving, the driver moves it itself (and counts a stall). */
const STALL_MS = 2_000;

let kind = 'bare';
let base = null;
let token = '';
let ids = [];
let agent = null;

let mode = null;
let stopped = true;
let next = 0;
let sent = 0;
let answered = 0;
let failures = 0;
let lastError = '';
let inFlight = 0;
let idleResolve = null;

// window mode
let window = 8;
let acked = -1;
let lastAckAt = 0;
let stalls = 0;
let stallTimer = null;

// rate mode
let rateTimer = null;
let deadline = null;

function request(method, path, body) {
  return new Promise((resolve, reject) => {
    const payload = Buffer.from(JSON.stringify(body));
    const req = http.request({
      host: base.hostname, port: base.port, method, path, agent,
      headers: { 'content-type': 'application/json', 'content-length': payload.length, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        if (res.statusCode >= 300) reject(new Error(`${method} ${path}: ${res.statusCode} ${text.slice(0, 200)}`));
        else resolve(text);
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

function send(n) {
  const a = n % ids.length;
  const t = nowMicros();
  const progress = n % 101;
  const call = kind === 'ours'
    ? request('PATCH', `/v1/activities/${ids[a]}`, { progress, context: { bn: n, bt: t } })
    : request('POST', '/publish', { a, n, t, progress });
  sent++;
  inFlight++;
  call.then(() => answered++, (error) => {
    failures++;
    lastError = error.message;
  }).finally(() => {
    inFlight--;
    if (inFlight === 0 && idleResolve) idleResolve();
    if (mode === 'window') pump();
  });
}

function pump() {
  while (!stopped && next <= acked + window && inFlight < window) send(next++);
}

process.on('message', (message) => {
  if (message && typeof message.ack === 'number' && message.ack > acked) {
    acked = message.ack;
    lastAckAt = Date.now();
    pump();
  }
});

function stopSending() {
  stopped = true;
  clearInterval(stallTimer);
  clearTimeout(rateTimer);
  clearTimeout(deadline);
  stallTimer = rateTimer = deadline = null;
}

serveCommands({
  /** Where to send, and (activityd) the activities to update. */
  async setup({ kind: k, url, token: tok = '', activities = 16, connections = 8 }) {
    kind = k;
    base = new URL(url);
    token = tok;
    agent = new http.Agent({ keepAlive: true, maxSockets: connections });
    if (kind === 'ours') {
      ids = [];
      for (let i = 0; i < activities; i++) {
        const created = JSON.parse(await request('POST', '/v1/activities', { type: 'bench.fanout', title: `fan-out ${i}` }));
        ids.push(created.id);
      }
    } else {
      ids = Array.from({ length: activities }, (_, i) => i);
    }
    return { activities: ids.length };
  },

  /** Sends with at most `size` events not yet received by every subscriber; numbering restarts at 0. */
  window({ size, maxMs }) {
    mode = 'window';
    window = size;
    stopped = false;
    next = 0;
    acked = -1;
    stalls = 0;
    lastAckAt = Date.now();
    stallTimer = setInterval(() => {
      if (!stopped && Date.now() - lastAckAt > STALL_MS && next > acked + 1) {
        stalls++;
        acked = next - 1;
        lastAckAt = Date.now();
        pump();
      }
    }, 250);
    deadline = setTimeout(stopSending, maxMs);
    pump();
    return {};
  },

  /** Sends `perSecond` events a second, on schedule; numbering restarts at 0. */
  rate({ perSecond, maxMs }) {
    mode = 'rate';
    stopped = false;
    next = 0;
    const started = Date.now();
    const interval = 1000 / perSecond;
    const tick = () => {
      if (stopped) return;
      const elapsed = Date.now() - started;
      if (elapsed >= maxMs) return stopSending();
      while (next * interval <= elapsed) send(next++);
      rateTimer = setTimeout(tick, Math.max(0, next * interval - (Date.now() - started)));
    };
    tick();
    return {};
  },

  sample() {
    return { sent, answered, failures, lastError, next, acked, inFlight, stalls };
  },

  /** Stops sending and waits (up to 10 s) for the requests in flight. */
  async stop() {
    stopSending();
    if (inFlight > 0) {
      await Promise.race([
        new Promise((resolve) => (idleResolve = resolve)),
        new Promise((resolve) => setTimeout(resolve, 10_000)),
      ]);
      idleResolve = null;
    }
    return { sent, answered, failures, lastError, stalls, inFlight };
  },
}, {
  onExit: () => agent?.destroy(),
});

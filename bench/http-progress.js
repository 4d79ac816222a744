#!/usr/bin/env node
// HTTP progress updates per second, each reaching one subscriber: activityd (SQLite store) against a
// bare node:http server, in the same process tree (DESIGN section 10: target >= 60 % of the bare
// server doing POST -> ws send).
//
//   npm run bench:http                     # builds, then runs this with the defaults
//   node bench/http-progress.js --duration 10 --concurrency 32 [--subscriber ws|listener|both]
//        [--warmup 2] [--activities 256] [--rounds 1] [--client raw|http] [--store sqlite|memory]
//        [--auth admin|token|signed[,...]] [--cpu-prof DIR] [--json]
//
// Processes (2 cores: the server gets one, the load the other): this process is the load generator
// and the WebSocket subscriber; each server runs in a child process of its own (bench/lib/http-progress-*-server.js),
// reached over loopback only. Per side: start the server, connect the subscriber, create the
// activities, send keep-alive PATCH/POST progress updates with a fixed number in flight for the
// warm-up and then the measured window, stop, wait for the subscriber to catch up, and check that
// it received exactly one delivery per acknowledged update.
//
// Subscribers:
//   ws        a WebSocket client on /v1/ws (activityd: the real stream, filtered to the bench's
//             activity type; baseline: a bare `ws` server on the same node:http server that sends
//             each update as one JSON text frame). This is the figure DESIGN section 10 names.
//   listener  an in-process callback in the server process (activityd: hub.on('activity.updated');
//             baseline: a function call), no transport leg: the HTTP + store cost alone.
//
// Authentication of the updates (--auth, default admin; a comma list runs each mode on activityd in
// every round, after one baseline run, and prints each against the admin run):
//   admin     the admin token (ACTIVITYD_ADMIN_TOKEN) as a bearer token.
//   token     a user's bearer token with the `report` scope, made through /v1/admin/users and
//             /v1/admin/tokens; the user creates and updates the activities.
//   signed    AdmiralCloud signed requests (version 5) with an access key of that user
//             (/v1/admin/keys), signed per request by AdmiralCloud's own signer, `ac-signature`.
// The WebSocket subscriber always uses the admin token.
import { fork } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, arch, platform, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { openConnections, requestText, startLoad } from './lib/http-progress-load.js';

const TARGET = 0.6;
const AUTHS = ['admin', 'token', 'signed'];
const ACTIVITY_TYPE = 'bench.progress';
const here = (path) => fileURLToPath(new URL(path, import.meta.url));

const { values: flags } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '32' },
    activities: { type: 'string', default: '256' },
    subscriber: { type: 'string', default: 'both' },
    rounds: { type: 'string', default: '1' },
    client: { type: 'string', default: 'raw' },
    store: { type: 'string', default: 'sqlite' },
    auth: { type: 'string', default: 'admin' },
    'cpu-prof': { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (flags.help) {
  console.log(`usage: node bench/http-progress.js [--duration 10] [--warmup 2] [--concurrency 32] [--activities 256]
       [--subscriber ws|listener|both] [--rounds 1] [--client raw|http] [--store sqlite|memory]
       [--auth admin|token|signed[,...]] [--cpu-prof DIR] [--json]
--store memory is for diagnosis only (how much of the cost is SQLite); the DESIGN figure is SQLite.
Build first (npm run build), or run it as: npm run bench:http -- --duration 5`);
  process.exit(0);
}
const positive = (name, { integer = true } = {}) => {
  const value = Number(flags[name]);
  if (!(value > 0) || (integer && !Number.isInteger(value))) usage(`--${name} must be a positive ${integer ? 'integer' : 'number'}`);
  return value;
};
const config = {
  durationMs: positive('duration', { integer: false }) * 1000,
  warmupMs: Number(flags.warmup) >= 0 ? Number(flags.warmup) * 1000 : usage('--warmup must be a number of seconds'),
  concurrency: positive('concurrency'),
  activities: positive('activities'),
  rounds: positive('rounds'),
  client: ['raw', 'http'].includes(flags.client) ? flags.client : usage('--client is raw or http'),
  store: ['sqlite', 'memory'].includes(flags.store) ? flags.store : usage('--store is sqlite or memory'),
  subscribers: flags.subscriber === 'both' ? ['ws', 'listener'] : ['ws', 'listener'].includes(flags.subscriber) ? [flags.subscriber] : usage('--subscriber is ws, listener or both'),
  cpuProf: flags['cpu-prof'] ? resolve(flags['cpu-prof']) : undefined,
  auths: [...new Set(flags.auth.split(','))].map((a) => (AUTHS.includes(a) ? a : usage('--auth is admin, token or signed, or a comma list of them'))),
};
config.activities = Math.max(config.activities, config.concurrency);

function usage(message) {
  console.error(`http-progress: ${message} (see --help)`);
  process.exit(2);
}

for (const built of ['../packages/server/dist/index.js', '../packages/core/dist/sqlite/index.js']) {
  if (!existsSync(here(built))) usage('the packages are not built: run `npm run build` first (or `npm run bench:http`)');
}
// `ws` is already in the workspace as a dependency of @activityd/server: take it from there.
const { WebSocket } = createRequire(here('../packages/server/package.json'))('ws');
// AdmiralCloud's published signer, a devDependency of the workspace (the signed-request tests use it).
const acSignature = config.auths.includes('signed') ? createRequire(here('../package.json'))('ac-signature') : undefined;

const log = (line) => {
  if (!flags.json) console.log(line);
};

/** A server child and its IPC control channel. */
class ServerChild {
  static async start(side, subscriber, token) {
    const script = here(side === 'activityd' ? './lib/http-progress-activityd-server.js' : './lib/http-progress-bare-server.js');
    const execArgv = config.cpuProf
      ? ['--cpu-prof', '--cpu-prof-dir', config.cpuProf, '--cpu-prof-name', `${side}-${subscriber}-${Date.now()}.cpuprofile`]
      : [];
    const child = fork(script, [], {
      execArgv,
      env: { ...process.env, BENCH_SUBSCRIBER: subscriber, BENCH_STORE: config.store, ACTIVITYD_ADMIN_TOKEN: token },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const server = new ServerChild(child);
    const ready = await server.next('ready', 30_000);
    server.url = new URL(ready.url);
    return server;
  }

  constructor(child) {
    this.child = child;
    this.ids = 0;
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  next(reply, timeoutMs, id) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`server child: no '${reply}' within ${timeoutMs} ms`)), timeoutMs);
      const onMessage = (message) => {
        if (message?.reply === reply && message.id === id) done(null, message);
      };
      const onExit = (code, signal) => done(new Error(`server child exited (${signal ?? code}) before '${reply}'`));
      const done = (error, message) => {
        clearTimeout(timer);
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
        if (error) reject(error);
        else resolve(message);
      };
      this.child.on('message', onMessage);
      this.child.once('exit', onExit);
    });
  }

  /** CPU time (µs), RSS and deliveries so far. */
  sample() {
    const id = ++this.ids;
    const answer = this.next('sample', 10_000, id);
    this.child.send({ cmd: 'sample', id });
    return answer;
  }

  async close() {
    const id = ++this.ids;
    const answer = this.next('closed', 15_000, id).catch(() => this.child.kill('SIGKILL'));
    this.child.send({ cmd: 'close', id });
    await answer;
    await this.exited;
  }
}

/** A WebSocket subscriber in this process, counting `activity.updated` frames. */
async function subscribeWs(url, token) {
  const target = `ws://${url.host}/v1/ws?type=${ACTIVITY_TYPE}&feed=false`;
  const socket = new WebSocket(target, { headers: { authorization: `Bearer ${token}` }, perMessageDeflate: false });
  const counter = { deliveries: 0, other: 0, closed: /** @type {string | null} */ (null), socket };
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no 'subscribed' frame from ${target}`)), 10_000);
    socket.once('error', reject);
    socket.once('unexpected-response', (_req, res) => reject(new Error(`WebSocket upgrade refused: ${res.statusCode}`)));
    socket.on('message', (data) => {
      if (data.includes('"activity.updated"')) counter.deliveries++;
      else if (data.includes('"subscribed"')) {
        clearTimeout(timer);
        resolve();
      } else counter.other++;
    });
  });
  socket.on('close', (code, reason) => (counter.closed = `${code} ${reason}`));
  return counter;
}

/** CPU-seconds the whole machine spent busy so far (Linux /proc/stat), or null elsewhere. */
function machineBusySeconds() {
  try {
    const [, ...ticks] = readFileSync('/proc/stat', 'latin1').split('\n', 1)[0].trim().split(/\s+/).map(Number);
    const [user, nice, system, , , irq, softirq, steal] = ticks; // USER_HZ: 100 on Linux
    return (user + nice + system + irq + softirq + (steal || 0)) / 100;
  } catch {
    return null;
  }
}

/** Creates the activities (activityd) or makes up ids of the same shape (baseline). */
async function makeActivities(side, connection, port, headersFor) {
  if (side !== 'activityd') return Array.from({ length: config.activities }, () => randomUUID());
  const ids = [];
  for (let i = 0; i < config.activities; i++) {
    const body = JSON.stringify({ type: ACTIVITY_TYPE, title: `bench ${i}`, progress: 0 });
    const reply = await connection.request(requestText('POST', '/v1/activities', port, headersFor('/v1/activities', body), body));
    if (reply.status !== 201) throw new Error(`POST /v1/activities answered ${reply.status}: ${reply.body.toString('utf8').slice(0, 300)}`);
    ids.push(JSON.parse(reply.body.toString('utf8')).id);
  }
  return ids;
}

/**
 * The headers of each request for an authentication mode: `(path, body) => headers`. For `token`
 * and `signed` it first makes a user with a token or an access key through the admin API.
 */
async function credentialsFor(auth, connection, port, adminToken) {
  const json = { 'Content-Type': 'application/json' };
  const bearer = (token) => () => ({ Authorization: `Bearer ${token}`, ...json });
  if (auth === 'admin') return bearer(adminToken);
  const admin = async (path, body) => {
    const reply = await connection.request(requestText('POST', path, port, bearer(adminToken)(), JSON.stringify(body)));
    if (reply.status !== 201) throw new Error(`POST ${path} answered ${reply.status}: ${reply.body.toString('utf8').slice(0, 300)}`);
    return JSON.parse(reply.body.toString('utf8'));
  };
  const user = await admin('/v1/admin/users', { name: 'bench', groups: ['root'] });
  if (auth === 'token') return bearer((await admin('/v1/admin/tokens', { userId: user.id, scopes: ['report'], name: 'bench' })).token);
  const { accessKey, accessSecret } = await admin('/v1/admin/keys', { userId: user.id });
  return (path, body) => {
    const signed = acSignature.sign({ accessSecret, path, payload: JSON.parse(body) }, { version: 5 });
    return {
      'x-admiralcloud-accesskey': accessKey, 'x-admiralcloud-rts': String(signed.timestamp), 'x-admiralcloud-hash': signed.hash,
      'x-admiralcloud-version': '5', ...json,
    };
  };
}

/** Runs one side with one kind of subscriber and one authentication mode; returns its figures. */
async function runSide(side, subscriber, auth = 'admin') {
  const token = `bench_${randomBytes(24).toString('base64url')}`;
  const server = await ServerChild.start(side, subscriber, token);
  const port = Number(server.url.port);
  const method = side === 'activityd' ? 'PATCH' : 'POST';
  let ws;
  let connections = [];
  try {
    ws = subscriber === 'ws' ? await subscribeWs(server.url, token) : undefined;
    connections = await openConnections(config.client, port, config.concurrency);
    // The baseline ignores credentials: it gets the admin mode's headers.
    const headersFor = await credentialsFor(side === 'activityd' ? auth : 'admin', connections[0], port, token);
    const ids = await makeActivities(side, connections[0], port, headersFor);
    const paths = new Map(ids.map((id) => [id, `/v1/activities/${id}`]));
    const load = startLoad(connections, ids, (id, progress) => {
      const body = `{"progress":${progress}}`;
      return requestText(method, paths.get(id), port, headersFor(paths.get(id), body), body);
    });
    const failed = load.done.then(() => null, (error) => error);
    const phase = (ms) => Promise.race([sleep(ms), failed.then((error) => { if (error) throw error; })]);

    await phase(config.warmupMs);
    const cpu0 = process.cpuUsage();
    const busy0 = machineBusySeconds();
    const s0 = await server.sample();
    const t0 = performance.now();
    load.state.measuring = true;
    await phase(config.durationMs);
    load.state.measuring = false;
    const seconds = (performance.now() - t0) / 1000;
    const s1 = await server.sample();
    const cpu1 = process.cpuUsage(cpu0);
    const busy1 = machineBusySeconds();
    await load.stop();
    const error = await failed;
    if (error) throw error;

    // Everything acknowledged must reach the subscriber: wait until it has, or stops moving.
    const delivered = async () => (ws ? ws.deliveries : (await server.sample()).deliveries);
    let deliveries = await delivered();
    for (let still = 0; deliveries < load.state.acked && still < 40; ) {
      await sleep(50);
      const now = await delivered();
      still = now === deliveries ? still + 1 : 0;
      deliveries = now;
    }
    const { windowAcked, acked } = load.state;
    const [p50, p99] = load.state.latencies.percentiles(50, 99);
    return {
      side, subscriber, auth: side === 'activityd' ? auth : null,
      updatesPerSec: windowAcked / seconds,
      p50Ms: p50, p99Ms: p99,
      serverCpu: (s1.cpuMicros - s0.cpuMicros) / 1e6 / seconds,
      serverCpuMicrosPerUpdate: (s1.cpuMicros - s0.cpuMicros) / windowAcked,
      loadCpu: (cpu1.user + cpu1.system) / 1e6 / seconds,
      // Whatever else ran on the machine meanwhile (other builds, tests): the figures are only as
      // good as this is small.
      otherCpu: busy0 === null || busy1 === null ? null
        : Math.max(0, (busy1 - busy0) - (s1.cpuMicros - s0.cpuMicros) / 1e6 - (cpu1.user + cpu1.system) / 1e6) / seconds,
      serverRssMb: s1.rss / 2 ** 20,
      acked, deliveries, failed: load.state.failed, firstFailure: load.state.firstFailure,
      wsOtherFrames: ws?.other, wsClosed: ws?.closed,
    };
  } finally {
    for (const connection of connections) connection.close();
    ws?.socket.terminate();
    await server.close();
  }
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const fmt = (n, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const pct = (n) => `${fmt(n * 100)} %`;

const machine = { cpus: cpus().length, model: cpus()[0]?.model?.trim() ?? 'unknown', memGb: totalmem() / 2 ** 30, platform: `${platform()} ${arch()}` };
log(`HTTP progress updates/s, each reaching one subscriber: activityd (${config.store === 'sqlite' ? 'SQLite' : 'MEMORY store, diagnosis only'}) vs a bare node:http server`);
log(`node ${process.version}, ${machine.platform}, ${machine.cpus} CPUs (${machine.model}), ${fmt(machine.memGb, 1)} GiB`);
log(`${config.concurrency} updates in flight on ${config.concurrency} keep-alive sockets, ${config.activities} activities, ` +
  `warm-up ${config.warmupMs / 1000} s, measured ${config.durationMs / 1000} s, ${config.rounds} round(s), ${config.client} client; loopback only`);
log(`this process: load generator${config.subscribers.includes('ws') ? ' + WebSocket subscriber' : ''}; each server: its own child process`);

const results = [];
let ok = true;
for (const subscriber of config.subscribers) {
  log('');
  log(subscriber === 'ws'
    ? 'subscriber: ws — a WebSocket client on /v1/ws (activityd: the real stream; baseline: bare `ws` send of each update)'
    : 'subscriber: listener — in the server process (activityd: hub.on(\'activity.updated\'); baseline: a callback); no transport leg');
  const rounds = [];
  for (let round = 0; round < config.rounds; round++) {
    const bare = await runSide('bare', subscriber);
    // `ours` is the first --auth mode (admin by default); `auths` has every mode's run.
    const auths = {};
    for (const auth of config.auths) auths[auth] = await runSide('activityd', subscriber, auth);
    rounds.push({ bare, ours: auths[config.auths[0]], auths });
  }
  log(`  ${'side'.padEnd(16)}${'updates/s'.padStart(11)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'server CPU'.padStart(12)}` +
    `${'µs CPU/upd'.padStart(12)}${'load CPU'.padStart(10)}${'others'.padStart(8)}${'RSS MB'.padStart(8)}   deliveries / acknowledged`);
  for (const { bare, auths } of rounds) {
    for (const r of [bare, ...Object.values(auths)]) {
      const match = r.deliveries === r.acked && r.failed === 0;
      if (!match) ok = false;
      const name = r.side === 'bare' ? 'bare node:http' : config.auths.length > 1 || r.auth !== 'admin' ? `activityd ${r.auth}` : 'activityd';
      log(`  ${name.padEnd(16)}${fmt(r.updatesPerSec).padStart(11)}` +
        `${fmt(r.p50Ms, 2).padStart(9)}${fmt(r.p99Ms, 2).padStart(9)}${pct(r.serverCpu).padStart(12)}` +
        `${fmt(r.serverCpuMicrosPerUpdate).padStart(12)}${pct(r.loadCpu).padStart(10)}${(r.otherCpu === null ? '?' : pct(r.otherCpu)).padStart(8)}` +
        `${fmt(r.serverRssMb).padStart(8)}   ` +
        `${fmt(r.deliveries)} / ${fmt(r.acked)} ${match ? 'ok' : `MISMATCH${r.failed ? ` (${r.failed} failed: ${r.firstFailure})` : ''}${r.wsClosed ? ` (ws closed ${r.wsClosed})` : ''}`}`);
    }
  }
  const summary = {
    subscriber,
    ours: { updatesPerSec: median(rounds.map((r) => r.ours.updatesPerSec)), p50Ms: median(rounds.map((r) => r.ours.p50Ms)), p99Ms: median(rounds.map((r) => r.ours.p99Ms)) },
    bare: { updatesPerSec: median(rounds.map((r) => r.bare.updatesPerSec)), p50Ms: median(rounds.map((r) => r.bare.p50Ms)), p99Ms: median(rounds.map((r) => r.bare.p99Ms)) },
  };
  summary.ratio = summary.ours.updatesPerSec / summary.bare.updatesPerSec;
  // Server CPU per update, bare over ours: the throughput ratio two CPU-bound servers would show,
  // whatever limits this run (the load process, other work on the machine).
  summary.cpuRatio = median(rounds.map((r) => r.bare.serverCpuMicrosPerUpdate)) / median(rounds.map((r) => r.ours.serverCpuMicrosPerUpdate));
  summary.meetsTarget = summary.ratio >= TARGET;
  // What authentication costs: each mode against the first one, by updates/s and by CPU per update.
  // Ratios are taken within each round (the runs of one round are back to back, so they share the
  // machine's load), then the median over the rounds.
  const firstOf = (r) => r.auths[config.auths[0]];
  summary.auth = Object.fromEntries(config.auths.map((auth) => [auth, {
    updatesPerSec: median(rounds.map((r) => r.auths[auth].updatesPerSec)),
    cpuMicrosPerUpdate: median(rounds.map((r) => r.auths[auth].serverCpuMicrosPerUpdate)),
    updatesRatio: median(rounds.map((r) => r.auths[auth].updatesPerSec / firstOf(r).updatesPerSec)),
    cpuRatio: median(rounds.map((r) => r.auths[auth].serverCpuMicrosPerUpdate / firstOf(r).serverCpuMicrosPerUpdate)),
  }]));
  const first = summary.auth[config.auths[0]];
  results.push({ ...summary, rounds });
  log(`  ratio activityd / bare: ${pct(summary.ratio)} of the baseline's updates/s ` +
    `(target ≥ ${pct(TARGET)}${subscriber === 'listener' ? ', which DESIGN sets for the ws leg' : ''}: ${summary.meetsTarget ? 'met' : 'BELOW'}); ` +
    `p99 ${fmt(summary.ours.p99Ms / summary.bare.p99Ms, 2)} × bare`);
  log(`  server CPU per update, bare / activityd: ${pct(summary.cpuRatio)} (the ratio if both servers had a core to themselves)`);
  if (config.auths.length > 1) {
    for (const [auth, a] of Object.entries(summary.auth).slice(1)) {
      log(`  auth ${auth} / ${config.auths[0]} (median of the per-round ratios): ${pct(a.updatesRatio)} of the updates/s, ` +
        `${fmt(a.cpuRatio, 2)} × the CPU per update (medians: ${fmt(a.cpuMicrosPerUpdate)} vs ${fmt(first.cpuMicrosPerUpdate)} µs)`);
    }
  }
  const bareCpu = median(rounds.map((r) => r.bare.serverCpu));
  const others = Math.max(...rounds.flatMap((r) => [r.bare.otherCpu ?? 0, ...Object.values(r.auths).map((o) => o.otherCpu ?? 0)]));
  if (others > 0.1) log(`  WARNING: other processes used up to ${pct(others)} of a core during the window: the machine was not quiet, rerun`);
  else if (bareCpu < 0.9) log(`  note: the bare server used ${pct(bareCpu)} of a core: the load process, not the server, limits the baseline`);
}
if (config.cpuProf) log(`\nCPU profiles of the server children: ${config.cpuProf}`);
if (flags.json) console.log(JSON.stringify({ date: new Date().toISOString(), node: process.version, machine, config, results }, null, 2));
if (!ok) {
  console.error('\nhttp-progress: deliveries and acknowledged updates differ (or updates failed): see above');
  process.exit(1);
}

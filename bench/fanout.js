#!/usr/bin/env node
// Fan-out: one event to many live subscribers, activityd against a bare broadcaster of the same
// transport, SSE and WebSocket, in one process tree (DESIGN section 10):
//   1. deliveries/s at 1,000 and 10,000 subscribers            target >= 80 % of bare
//   2. p99 send-to-receive latency at a fixed 10,000 deliveries/s  target <= 1.25 x bare
//   3. server RSS with 10,000 idle WebSocket subscribers         target <= 1.5 x bare `ws`
//
//   npm run bench:fanout                     # builds, then runs this with the defaults (3.5-5 min)
//   node bench/fanout.js [--transports sse,ws] [--subscribers 1000,10000] [--latency-subscribers 1000]
//        [--latency-rate 10000] [--rss-subscribers 10000] [--warmup 2] [--duration 5]
//        [--latency-duration 10] [--settle 2] [--window 8] [--activities 16] [--batch 200]
//        [--servers bare,ours] [--cpu-prof DIR] [--json]
//
// Processes, per session (one transport, one server, one subscriber count), all children of this one
// and all on loopback:
//   server       activityd: the real CLI, `node packages/cli/dist/main.js serve --port 0 --host
//                127.0.0.1 --store memory --log-level warn`, ACTIVITYD_ADMIN_TOKEN set (preloaded with
//                bench/lib/fanout-guard.js, which only makes it drain and exit if this process goes
//                away); or bench/lib/fanout-bare-broadcaster.js ws|sse.
//   subscribers  bench/lib/fanout-subscribers.js: N connections opened in batches (the server and the
//                subscribers each hold N sockets, under the ~20,000 open-file limit per process).
//                activityd: GET /v1/ws?token=… (ready once it answers `subscribed`) or GET /v1/events
//                with the token as a bearer header; bare: GET /ws or GET /events.
//   driver       bench/lib/fanout-driver.js: keep-alive PATCH /v1/activities/:id (activityd) or
//                POST /publish (bare), each carrying its send time (µs, machine monotonic clock) in
//                the activity's context, so the frames of both servers have the same shape and size.
// Figures:
//   deliveries/s  the driver keeps `--window` events in flight end to end (event n is sent once every
//                 subscriber has received event n - window), so neither server piles up buffers or
//                 conflates; after `--warmup` s, the benchmark events the subscribers receive over
//                 `--duration` s, per second (= events/s x subscribers actually received).
//   p99 latency   the driver sends `--latency-rate / --latency-subscribers` events/s on a timer; after
//                 the warm-up, every delivery's receive time minus the event's send time is recorded
//                 for `--latency-duration` s. The time includes the HTTP request that publishes the
//                 event, on both sides.
//   RSS           VmRSS (/proc/<pid>/status) of the server child once `--rss-subscribers` WebSocket
//                 subscribers are connected, ready and idle for `--settle` s.
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import process from 'node:process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { cpus } from 'node:os';
import {
  ChildProcess, cpuSecondsOf, fmtInt, fmtMiB, fmtMs, fmtRatio, killChildrenOnExit, machineBusySeconds, machineLine, ownCpuSeconds,
  rssOf, sleep,
} from './lib/fanout-common.js';
import { formatProfile, summariseProfile } from './lib/fanout-profile.js';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const CLI = here('../packages/cli/dist/main.js');
const GUARD = pathToFileURL(here('./lib/fanout-guard.js')).href;
const BARE = here('./lib/fanout-bare-broadcaster.js');
const SUBSCRIBERS = here('./lib/fanout-subscribers.js');
const DRIVER = here('./lib/fanout-driver.js');
const TARGETS = { deliveries: 0.8, latency: 1.25, rss: 1.5 };

const { values: flags } = parseArgs({
  options: {
    transports: { type: 'string', default: 'sse,ws' },
    servers: { type: 'string', default: 'bare,ours' },
    subscribers: { type: 'string', default: '1000,10000' },
    'latency-subscribers': { type: 'string', default: '1000' },
    'latency-rate': { type: 'string', default: '10000' },
    'rss-subscribers': { type: 'string', default: '10000' },
    warmup: { type: 'string', default: '2' },
    duration: { type: 'string', default: '5' },
    'latency-duration': { type: 'string', default: '10' },
    settle: { type: 'string', default: '2' },
    window: { type: 'string', default: '8' },
    activities: { type: 'string', default: '16' },
    batch: { type: 'string', default: '200' },
    rounds: { type: 'string', default: '1' },
    'from-json': { type: 'string' },
    'cpu-prof': { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (flags.help) {
  console.log(`usage: node bench/fanout.js [--transports sse,ws] [--servers bare,ours] [--subscribers 1000,10000]
       [--latency-subscribers 1000 (0: skip)] [--latency-rate 10000] [--rss-subscribers 10000 (0: skip)]
       [--warmup 2] [--duration 5] [--latency-duration 10] [--settle 2] [--window 8] [--activities 16]
       [--batch 200] [--rounds 1] [--cpu-prof DIR] [--json] [--from-json FILE]
Build first (npm run build), or run it as: npm run bench:fanout -- --duration 10`);
  process.exit(0);
}

const number = (name, { min = 0, max = Infinity, integer = false } = {}) => {
  const n = Number(flags[name]);
  if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    console.error(`--${name}: expected a number in [${min}, ${max}], got '${flags[name]}'`);
    process.exit(2);
  }
  return n;
};
const list = (name, allowed) => {
  const items = flags[name].split(',').map((s) => s.trim()).filter(Boolean);
  for (const item of items) {
    if (allowed && !allowed.includes(item)) {
      console.error(`--${name}: '${item}' is not one of ${allowed.join(', ')}`);
      process.exit(2);
    }
  }
  return items;
};
const counts = (name) => list(name).map((s) => {
  const n = Number(s);
  if (!Number.isInteger(n) || n < 0 || n > 15_000) {
    console.error(`--${name}: subscriber counts are integers up to 15,000 (the open-file limit is ~20,000 per process), got '${s}'`);
    process.exit(2);
  }
  return n;
}).filter((n) => n > 0);

const config = {
  transports: list('transports', ['sse', 'ws']),
  servers: list('servers', ['bare', 'ours']),
  subscribers: counts('subscribers'),
  latencySubscribers: counts('latency-subscribers')[0] ?? 0,
  latencyRate: number('latency-rate', { min: 1, max: 1e7 }),
  rssSubscribers: counts('rss-subscribers')[0] ?? 0,
  warmupS: number('warmup', { max: 600 }),
  durationS: number('duration', { min: 0.5, max: 600 }),
  latencyDurationS: number('latency-duration', { min: 0.5, max: 600 }),
  settleS: number('settle', { max: 600 }),
  window: number('window', { min: 1, max: 1024, integer: true }),
  activities: number('activities', { min: 1, max: 10_000, integer: true }),
  batch: number('batch', { min: 1, max: 5_000, integer: true }),
  rounds: number('rounds', { min: 1, max: 20, integer: true }),
};
const profDir = flags['cpu-prof'] ? resolve(flags['cpu-prof']) : null;
if (profDir) mkdirSync(profDir, { recursive: true });
if (!existsSync(CLI)) {
  console.error(`${CLI} is missing: run npm run build first (npm run bench:fanout does)`);
  process.exit(2);
}

killChildrenOnExit();
const TOKEN = `bench-${randomBytes(12).toString('hex')}`;
const log = (line) => process.stderr.write(`${line}\n`);

/** Starts the server under test; resolves to where its stream lives and how to reach it. */
async function startServer(server, transport, label) {
  const prof = profDir ? ['--cpu-prof', '--cpu-prof-dir', profDir, '--cpu-prof-name', `${label}.cpuprofile`] : [];
  if (server === 'bare') {
    const child = new ChildProcess(BARE, { args: [transport], execArgv: prof, name: `bare ${transport} broadcaster` });
    const { url } = await child.request('address', {}, 30_000);
    const base = new URL(url);
    return {
      child, url,
      stream: transport === 'ws' ? `ws://${base.host}/ws` : `${url}events`,
      headers: {}, readyOnSubscribed: false,
    };
  }
  const child = new ChildProcess(CLI, {
    args: ['serve', '--port', '0', '--host', '127.0.0.1', '--store', 'memory', '--log-level', 'warn'],
    env: { ACTIVITYD_ADMIN_TOKEN: TOKEN },
    execArgv: ['--import', GUARD, ...prof],
    name: 'activityd', stdout: 'pipe',
  });
  const url = await new Promise((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error('activityd did not say where it listens within 60 s')), 60_000);
    child.exited.then(({ code, signal }) => reject(new Error(`activityd exited (${signal ?? code}) before listening`)));
    createInterface({ input: child.proc.stdout }).on('line', (line) => {
      const match = /activityd listening on (http:\/\/\S+)/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolveUrl(match[1].endsWith('/') ? match[1] : `${match[1]}/`);
      } else if (line.trim()) log(`  [activityd] ${line}`);
    });
  });
  const base = new URL(url);
  return {
    child, url,
    stream: transport === 'ws' ? `ws://${base.host}/v1/ws?token=${TOKEN}` : `${url}v1/events`,
    headers: transport === 'sse' ? { authorization: `Bearer ${TOKEN}` } : {},
    readyOnSubscribed: transport === 'ws',
  };
}

/** Waits until the subscribers have received nothing new for a while (or 15 s pass). */
async function drained(subs) {
  let last = -1;
  let still = 0;
  for (let i = 0; i < 75 && still < 3; i++) {
    await sleep(200);
    const { received } = await subs.request('sample');
    still = received === last ? still + 1 : 0;
    last = received;
  }
  return last;
}

/** CPU seconds used so far by the machine and by this benchmark's own processes. */
const treeCpu = (...children) => ({
  at: performance.now(),
  machine: machineBusySeconds(),
  ours: ownCpuSeconds() + children.reduce((sum, c) => sum + cpuOf(c), 0),
});
/** The share of the machine's cores that processes outside this benchmark used between two readings. */
const foreign = (a, b) => Math.max(0, (b.machine - a.machine) - (b.ours - a.ours)) / (cpus().length * ((b.at - a.at) / 1000));

const cpuOf = (child) => {
  try {
    return cpuSecondsOf(child.pid);
  } catch {
    return NaN;
  }
};

/** One server, one transport, one subscriber count: RSS (idle), then latency, then deliveries/s. */
async function session(transport, server, count, tasks) {
  const label = `fanout-${transport}-${server}-${count}`;
  log(`\n${label}: starting ${server === 'ours' ? 'activityd' : `a bare ${transport} broadcaster`}, ${fmtInt(count)} ${transport.toUpperCase()} subscribers`);
  const target = await startServer(server, transport, label);
  let driver = null;
  const subs = new ChildProcess(SUBSCRIBERS, { name: 'subscribers', onEvent: (m) => m?.event === 'ack' && driver?.notify({ ack: m.n }) });
  driver = new ChildProcess(DRIVER, { name: 'driver' });
  const result = { transport, server, subscribers: count };
  const windows = {};
  try {
    const rssBefore = rssOf(target.child.pid);
    const connect = await subs.request('connect', {
      transport, url: target.stream, headers: target.headers, count, batch: config.batch, readyOnSubscribed: target.readyOnSubscribed,
    }, 300_000);
    if (connect.failed > 0) throw new Error(`${connect.failed} of ${count} subscribers could not connect: ${connect.lastError}`);
    log(`  ${fmtInt(connect.connected)} connected in ${(connect.ms / 1000).toFixed(1)} s`);
    for (let i = 0; i < 100; i++) {
      const { ready } = await subs.request('sample');
      if (ready >= count) break;
      if (i === 99) throw new Error(`only ${ready} of ${count} subscribers ready after 20 s`);
      await sleep(200);
    }
    await sleep(config.settleS * 1000);

    if (tasks.rss) {
      const samples = [];
      for (let i = 0; i < 5; i++) {
        samples.push(rssOf(target.child.pid));
        await sleep(200);
      }
      result.rss = { bytes: samples.sort((a, b) => a - b)[2], before: rssBefore };
      log(`  RSS with ${fmtInt(count)} idle subscribers: ${fmtMiB(result.rss.bytes)} (${fmtMiB(rssBefore)} before they connected)`);
    }

    await driver.request('setup', {
      kind: server, url: target.url, token: server === 'ours' ? TOKEN : '', activities: config.activities, connections: config.window,
    });
    await drained(subs); // the `activity.started` events of the setup

    if (tasks.latency) {
      const perSecond = config.latencyRate / count;
      const before = (await subs.request('sample')).received;
      const sentBefore = (await driver.request('sample')).sent;
      await driver.request('rate', { perSecond, maxMs: (config.warmupS + config.latencyDurationS) * 1000 + 500 });
      await sleep(config.warmupS * 1000);
      await subs.request('record', { capacity: Math.ceil(perSecond * (config.latencyDurationS + 1) * count * 1.2) + 1_000 });
      const cpu0 = cpuOf(target.child);
      const tree0 = treeCpu(target.child, subs, driver);
      windows.latency = { sinceMs: performance.now() - target.child.startedAt };
      await sleep(config.latencyDurationS * 1000);
      const cpu1 = cpuOf(target.child);
      windows.latency.untilMs = performance.now() - target.child.startedAt;
      const foreignCpu = foreign(tree0, treeCpu(target.child, subs, driver));
      const latency = await subs.request('stopRecording');
      const stop = await driver.request('stop');
      const received = (await drained(subs)) - before;
      const sent = stop.sent - sentBefore;
      result.latency = {
        ...latency, eventsPerSecond: perSecond, deliveriesPerSecond: config.latencyRate, sent, failures: stop.failures,
        delivered: received / Math.max(1, sent * count), serverCpu: (cpu1 - cpu0) / config.latencyDurationS, foreignCpu,
      };
      log(`  latency at ${fmtInt(config.latencyRate)} deliveries/s (${perSecond} events/s): p50 ${fmtMs(latency.p50)}, p90 ${fmtMs(latency.p90)}, ` +
        `p99 ${fmtMs(latency.p99)}, max ${fmtMs(latency.max)} over ${fmtInt(latency.count)} deliveries; ` +
        `${(result.latency.delivered * 100).toFixed(2)} % delivered; server CPU ${(result.latency.serverCpu * 100).toFixed(0)} %; ` +
        `other processes used ${(foreignCpu * 100).toFixed(0)} % of the machine` +
        (stop.failures ? `; ${stop.failures} requests failed: ${stop.lastError}` : ''));
    }

    if (tasks.deliveries) {
      const before = (await subs.request('sample')).received;
      await subs.request('ack', { on: true });
      const sentBefore = (await driver.request('sample')).sent;
      await driver.request('window', { size: config.window, maxMs: (config.warmupS + config.durationS) * 1000 + 5_000 });
      await sleep(config.warmupS * 1000);
      const s0 = await subs.request('sample');
      const d0 = await driver.request('sample');
      const tree0 = treeCpu(target.child, subs, driver);
      const c0 = { server: cpuOf(target.child), subs: cpuOf(subs), driver: cpuOf(driver), at: performance.now() };
      windows.deliveries = { sinceMs: c0.at - target.child.startedAt };
      await sleep(config.durationS * 1000);
      const s1 = await subs.request('sample');
      const d1 = await driver.request('sample');
      const c1 = { server: cpuOf(target.child), subs: cpuOf(subs), driver: cpuOf(driver), at: performance.now() };
      const foreignCpu = foreign(tree0, treeCpu(target.child, subs, driver));
      windows.deliveries.untilMs = c1.at - target.child.startedAt;
      const stop = await driver.request('stop');
      await subs.request('ack', { on: false });
      const received = (await drained(subs)) - before;
      const seconds = (s1.at - s0.at) / 1e6;
      const wall = (c1.at - c0.at) / 1000;
      const sent = stop.sent - sentBefore;
      result.deliveries = {
        perSecond: (s1.received - s0.received) / seconds,
        eventsPerSecond: (d1.sent - d0.sent) / seconds,
        seconds, sent, failures: stop.failures, stalls: stop.stalls,
        delivered: received / Math.max(1, sent * count),
        cpu: { server: (c1.server - c0.server) / wall, subscribers: (c1.subs - c0.subs) / wall, driver: (c1.driver - c0.driver) / wall },
        serverCpuMicrosPerDelivery: ((c1.server - c0.server) * 1e6) / Math.max(1, s1.received - s0.received),
        foreignCpu,
      };
      const d = result.deliveries;
      log(`  deliveries: ${fmtInt(d.perSecond)}/s (${fmtInt(d.eventsPerSecond)} events/s x ${fmtInt(count)}) over ${seconds.toFixed(1)} s; ` +
        `${(d.delivered * 100).toFixed(2)} % of ${fmtInt(sent)} events reached every subscriber; CPU: server ${(d.cpu.server * 100).toFixed(0)} %, ` +
        `subscribers ${(d.cpu.subscribers * 100).toFixed(0)} %, driver ${(d.cpu.driver * 100).toFixed(0)} %; server CPU per delivery ${d.serverCpuMicrosPerDelivery.toFixed(2)} µs; ` +
        `other processes used ${(foreignCpu * 100).toFixed(0)} % of the machine` +
        (d.stalls ? `; window stalled ${d.stalls} times` : '') + (stop.failures ? `; ${stop.failures} requests failed: ${stop.lastError}` : ''));
    }
    const final = await subs.request('sample');
    if (final.errors || final.closed) log(`  subscriber errors ${final.errors}, closed ${final.closed}${final.lastError ? `: ${final.lastError}` : ''}`);
    result.subscriberErrors = final.errors;
    result.subscribersClosed = final.closed;
  } finally {
    await subs.request('close').catch(() => {});
    await Promise.all([subs.stop(), driver.stop()]);
    await target.child.stop(30_000);
  }
  if (profDir) {
    const file = resolve(profDir, `${label}.cpuprofile`);
    if (existsSync(file)) {
      result.profile = file;
      for (const [name, window] of Object.entries(windows)) {
        for (const line of formatProfile(summariseProfile(file, 30, window), `${label}, ${name} window`)) log(`  ${line}`);
      }
    } else log(`  (no profile written: ${readdirSync(profDir).join(', ')})`);
  }
  return result;
}

/**
 * The table: each figure of ours beside the bare one and the ratio. With several rounds, each figure
 * is the median over the rounds whose measured window was clean (other processes used at most
 * `CLEAN` of the machine); if no round was clean, over all of them, and the row says so.
 */
const CLEAN = 0.1;
function report({ config, results, started, command }) {
  const medianOf = (values) => {
    const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
    const n = sorted.length;
    if (!n) return NaN;
    return n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  };
  const notes = new Set();
  const pick = (transport, server, count, key, value) => {
    const all = results.filter((r) => r.transport === transport && r.server === server && r.subscribers === count && r[key]);
    const clean = all.filter((r) => !(r[key].foreignCpu > CLEAN));
    if (all.length && !clean.length) notes.add(`${transport.toUpperCase()} ${key}, ${fmtInt(count)} subscribers (${server}): no clean round`);
    return medianOf((clean.length ? clean : all).map((r) => value(r[key])));
  };
  const rows = [];
  for (const transport of config.transports) {
    const T = transport.toUpperCase();
    for (const count of config.subscribers) {
      const ours = pick(transport, 'ours', count, 'deliveries', (d) => d.perSecond);
      const bare = pick(transport, 'bare', count, 'deliveries', (d) => d.perSecond);
      rows.push({ figure: `${T} deliveries/s, ${fmtInt(count)} subscribers`, ours: fmtInt(ours), bare: fmtInt(bare), ratio: ours / bare, target: `>= ${TARGETS.deliveries}`, ok: ours / bare >= TARGETS.deliveries });
    }
    if (config.latencySubscribers) {
      const count = config.latencySubscribers;
      const ours = pick(transport, 'ours', count, 'latency', (l) => l.p99);
      const bare = pick(transport, 'bare', count, 'latency', (l) => l.p99);
      rows.push({
        figure: `${T} p99 latency, ${fmtInt(config.latencyRate)} deliveries/s (${config.latencyRate / count} events/s x ${fmtInt(count)})`,
        ours: fmtMs(ours), bare: fmtMs(bare), ratio: ours / bare, target: `<= ${TARGETS.latency}`, ok: ours / bare <= TARGETS.latency,
      });
    }
    if (transport === 'ws' && config.rssSubscribers) {
      const ours = pick(transport, 'ours', config.rssSubscribers, 'rss', (r) => r.bytes);
      const bare = pick(transport, 'bare', config.rssSubscribers, 'rss', (r) => r.bytes);
      rows.push({ figure: `server RSS, ${fmtInt(config.rssSubscribers)} idle WS subscribers`, ours: fmtMiB(ours), bare: fmtMiB(bare), ratio: ours / bare, target: `<= ${TARGETS.rss}`, ok: ours / bare <= TARGETS.rss });
    }
  }
  // Not a target, but less sensitive to other load on the machine: server CPU time per delivery.
  for (const transport of config.transports) {
    for (const count of config.subscribers) {
      const ours = pick(transport, 'ours', count, 'deliveries', (d) => d.serverCpuMicrosPerDelivery);
      const bare = pick(transport, 'bare', count, 'deliveries', (d) => d.serverCpuMicrosPerDelivery);
      rows.push({ figure: `${transport.toUpperCase()} server CPU per delivery, ${fmtInt(count)} subscribers`, ours: `${ours.toFixed(2)} µs`, bare: `${bare.toFixed(2)} µs`, ratio: ours / bare, target: '(no target)' });
    }
  }
  const windows = results.flatMap((r) => [r.deliveries?.foreignCpu, r.latency?.foreignCpu]).filter(Number.isFinite);
  const cleanWindows = windows.filter((f) => f <= CLEAN).length;
  const lines = [
    '',
    `fan-out: activityd vs bare broadcaster, ${started}, ${machineLine()}`,
    `command: ${command}`,
    `${config.rounds > 1 ? `medians of ${config.rounds} rounds, over the rounds whose window was clean; ` : ''}` +
      `${cleanWindows} of ${windows.length} measured windows clean (other processes used <= ${CLEAN * 100} % of the ${cpus().length} cores; most: ` +
      `${(Math.max(0, ...windows) * 100).toFixed(0)} %)`,
    ...[...notes].map((n) => `WARNING: ${n}: other processes competed with the benchmark; that figure is unreliable`),
    '',
    '| figure | activityd | bare | ratio | target | |',
    '|---|---:|---:|---:|---|---|',
    ...rows.map((r) => `| ${r.figure} | ${r.ours} | ${r.bare} | ${fmtRatio(r.ratio)} | ${r.target} | ${r.ok === undefined || !Number.isFinite(r.ratio) ? '' : r.ok ? 'met' : '**missed**'} |`),
  ];
  return { lines, rows };
}

if (flags['from-json']) {
  // Re-renders the table of an earlier `--json` run (its output file, table and JSON).
  const text = readFileSync(flags['from-json'], 'utf8');
  const saved = JSON.parse(text.slice(text.search(/^\{/m)));
  console.log(report({ ...saved, config: { ...saved.config, rounds: saved.config.rounds ?? 1 } }).lines.join('\n'));
  process.exit(0);
}

const started = new Date().toISOString();
log(`fan-out benchmark — ${machineLine()}`);
const results = [];
for (let round = 1; round <= config.rounds; round++) {
  for (const transport of config.transports) {
    const sizes = [...new Set([
      ...config.subscribers, config.latencySubscribers, ...(transport === 'ws' ? [config.rssSubscribers] : []),
    ])].filter((n) => n > 0).sort((a, b) => a - b);
    for (const count of sizes) {
      const tasks = {
        deliveries: config.subscribers.includes(count),
        latency: count === config.latencySubscribers,
        rss: transport === 'ws' && count === config.rssSubscribers,
      };
      for (const server of config.servers) results.push({ round, ...(await session(transport, server, count, tasks)) });
    }
  }
}
const command = `node bench/fanout.js ${process.argv.slice(2).join(' ')}`.trim();
const { lines, rows } = report({ config, results, started, command });
console.log(lines.join('\n'));
if (flags.json) console.log(JSON.stringify({ started, machine: machineLine(), command, config, results, rows }, null, 2));

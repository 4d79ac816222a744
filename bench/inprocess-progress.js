#!/usr/bin/env node
// In-process progress to one WebSocket subscriber: activityd's `ctx.progress` against a bare loop
// that sends the same JSON with `ws`, in one process tree (DESIGN section 10: target >= 50 % of bare).
//
//   npm run bench:inprocess                  # builds, then runs this with the defaults (~30 s)
//   node bench/inprocess-progress.js [--duration 5] [--warmup 2] [--rounds 1] [--yield-every 0]
//        [--order bare,ours] [--cpu-prof DIR] [--json]
//
// Processes, per side, all children of this one, loopback only:
//   server      bench/lib/inprocess-server.js ours|bare.
//               ours: an ActivityHub on a MemoryStore with buildServer from the built packages
//               (`hub.access.bootstrap('t')`), and one `hub.run()` whose work does
//               `await ctx.progress(i % 101)` in a loop for `--warmup + --duration` seconds;
//               bare: node:http + `ws`, a loop that builds the same `activity.updated` event object,
//               serialises it and `ws.send`s it to the one client (waiting on the socket only past
//               the 256 KiB high-water mark activityd's WebSocket connection also uses).
//   subscriber  bench/lib/inprocess-subscriber.js: one `ws` client (activityd: /v1/ws?token=t),
//               counting the `activity.updated` frames it receives.
// The figure is the updates per second the subscriber receives over `--duration` s after `--warmup` s.
// `ctx.progress` coalesces reports made while a write is in flight (packages/core/src/run-context.ts);
// a loop that awaits each report never has one in flight, so each call is one write and one event:
// the benchmark prints calls, writes and deliveries so that any coalescing or conflation shows.
// `--yield-every N` makes both loops yield to the event loop (setImmediate) every N updates.
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { mkdirSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cpus } from 'node:os';
import {
  ChildProcess, cpuSecondsOf, fmtInt, fmtMiB, fmtRatio, killChildrenOnExit, machineBusySeconds, machineLine, ownCpuSeconds, sleep,
} from './lib/fanout-common.js';
import { formatProfile, summariseProfile } from './lib/fanout-profile.js';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const SERVER = here('./lib/inprocess-server.js');
const SUBSCRIBER = here('./lib/inprocess-subscriber.js');
const TARGET = 0.5;

const { values: flags } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '1' },
    'yield-every': { type: 'string', default: '0' },
    order: { type: 'string', default: 'bare,ours' },
    'cpu-prof': { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (flags.help) {
  console.log(`usage: node bench/inprocess-progress.js [--duration 5] [--warmup 2] [--rounds 1] [--yield-every 0]
       [--order bare,ours] [--cpu-prof DIR] [--json]
Build first (npm run build), or run it as: npm run bench:inprocess -- --duration 10`);
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
const durationS = number('duration', { min: 0.5, max: 600 });
const warmupS = number('warmup', { max: 600 });
const rounds = number('rounds', { min: 1, max: 20, integer: true });
const yieldEvery = number('yield-every', { max: 1e9, integer: true });
const order = flags.order.split(',').map((s) => s.trim());
if (order.length !== 2 || !order.includes('ours') || !order.includes('bare')) {
  console.error('--order: bare,ours or ours,bare');
  process.exit(2);
}
const profDir = flags['cpu-prof'] ? resolve(flags['cpu-prof']) : null;
if (profDir) mkdirSync(profDir, { recursive: true });
if (!existsSync(here('../packages/server/dist/index.js'))) {
  console.error('packages are not built: run npm run build first (npm run bench:inprocess does)');
  process.exit(2);
}

killChildrenOnExit();
const log = (line) => process.stderr.write(`${line}\n`);

async function runSide(side, round) {
  const label = `inprocess-${side}-${round}`;
  const prof = profDir ? ['--cpu-prof', '--cpu-prof-dir', profDir, '--cpu-prof-name', `${label}.cpuprofile`] : [];
  const server = new ChildProcess(SERVER, { args: [side], execArgv: prof, name: `${side} in-process server` });
  const subscriber = new ChildProcess(SUBSCRIBER, { name: 'subscriber' });
  const profWindow = { sinceMs: 0, untilMs: Infinity };
  try {
    const { url } = await server.request('address', {}, 60_000);
    await subscriber.request('connect', { url, readyOnSubscribed: side === 'ours' }, 30_000);
    const before = (await subscriber.request('sample')).received;
    await server.request('run', { durationMs: (warmupS + durationS) * 1000, yieldEvery });
    await sleep(warmupS * 1000);
    const s0 = await subscriber.request('sample');
    const c0 = cpuSecondsOf(server.pid);
    const m0 = { at: performance.now(), machine: machineBusySeconds(), own: ownCpuSeconds() + cpuSecondsOf(subscriber.pid) };
    profWindow.sinceMs = performance.now() - server.startedAt;
    await sleep(durationS * 1000);
    const s1 = await subscriber.request('sample');
    const c1 = cpuSecondsOf(server.pid);
    const m1 = { at: performance.now(), machine: machineBusySeconds(), own: ownCpuSeconds() + cpuSecondsOf(subscriber.pid) };
    const foreignCpu = Math.max(0, (m1.machine - m0.machine) - (m1.own - m0.own) - (c1 - c0)) / (cpus().length * ((m1.at - m0.at) / 1000));
    profWindow.untilMs = performance.now() - server.startedAt;
    const finish = await server.request('finish', {}, (warmupS + durationS) * 1000 + 60_000);
    // Let the subscriber read what is still on its way.
    let last = -1;
    for (let i = 0, still = 0; i < 100 && still < 3; i++) {
      await sleep(200);
      const { received } = await subscriber.request('sample');
      still = received === last ? still + 1 : 0;
      last = received;
    }
    const seconds = (s1.at - s0.at) / 1e6;
    const result = {
      side, round,
      perSecond: (s1.received - s0.received) / seconds,
      seconds,
      calls: finish.calls,
      written: finish.written,
      received: last - before,
      serverCpu: (c1 - c0) / seconds,
      subscriberCpu: (s1.cpuSeconds - s0.cpuSeconds) / seconds,
      serverRss: finish.rss,
      serverCpuMicrosPerUpdate: ((c1 - c0) * 1e6) / Math.max(1, s1.received - s0.received),
      foreignCpu,
    };
    log(`${side}: ${fmtInt(result.perSecond)} updates/s received over ${seconds.toFixed(1)} s; in all ${fmtInt(result.calls)} ` +
      `${side === 'ours' ? 'ctx.progress calls' : 'loop turns'}, ${fmtInt(result.written)} ${side === 'ours' ? 'writes (activity.updated events)' : 'sends'}, ` +
      `${fmtInt(result.received)} received; CPU server ${(result.serverCpu * 100).toFixed(0)} %, subscriber ${(result.subscriberCpu * 100).toFixed(0)} %, ` +
      `server CPU per update received ${result.serverCpuMicrosPerUpdate.toFixed(2)} µs; ` +
      `other processes used ${(foreignCpu * 100).toFixed(0)} % of the machine; ` +
      `server RSS at the end ${fmtMiB(result.serverRss)}`);
    return result;
  } finally {
    await subscriber.stop();
    await server.stop(30_000);
    if (profDir) {
      const file = resolve(profDir, `${label}.cpuprofile`);
      if (existsSync(file)) for (const line of formatProfile(summariseProfile(file, 30, profWindow), `${label}, measured window`)) log(`  ${line}`);
    }
  }
}

const started = new Date();
log(`in-process progress -> one WebSocket subscriber — ${machineLine()}`);
const results = [];
for (let round = 1; round <= rounds; round++) {
  for (const side of order) results.push(await runSide(side, round));
}
// Medians over the rounds whose window was clean (other processes used at most 10 % of the machine),
// or over all rounds if none was.
const CLEAN = 0.1;
const median = (side, key = 'perSecond') => {
  const all = results.filter((r) => r.side === side);
  const clean = all.filter((r) => r.foreignCpu <= CLEAN);
  const values = (clean.length ? clean : all).map((r) => r[key]).sort((x, y) => x - y);
  const n = values.length;
  return n % 2 ? values[(n - 1) / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
};
const cleanRounds = results.filter((r) => r.foreignCpu <= CLEAN).length;
const ours = median('ours');
const bare = median('bare');
const oursCpu = median('ours', 'serverCpuMicrosPerUpdate');
const bareCpu = median('bare', 'serverCpuMicrosPerUpdate');
const mostForeign = Math.max(0, ...results.map((r) => r.foreignCpu));
const command = `node bench/inprocess-progress.js ${process.argv.slice(2).join(' ')}`.trim();
console.log([
  '',
  `in-process progress -> one WebSocket subscriber, ${started.toISOString()}, ${machineLine()}`,
  `command: ${command}${rounds > 1 ? ` (medians of ${rounds} rounds, over the clean ones)` : ''}`,
  `${cleanRounds} of ${results.length} measured windows clean (other processes used <= ${CLEAN * 100} % of the ${cpus().length} cores; most: ${(mostForeign * 100).toFixed(0)} %)` +
    (cleanRounds === 0 ? ' — WARNING: they competed with the benchmark; figures are unreliable' : ''),
  '',
  '| figure | activityd | bare | ratio | target | |',
  '|---|---:|---:|---:|---|---|',
  `| in-process progress updates/s received by one WS subscriber${yieldEvery ? ` (yield every ${yieldEvery})` : ''} | ${fmtInt(ours)} | ${fmtInt(bare)} | ${fmtRatio(ours / bare)} | >= ${TARGET} | ${ours / bare >= TARGET ? 'met' : '**missed**'} |`,
  `| server CPU per update received | ${oursCpu.toFixed(2)} µs | ${bareCpu.toFixed(2)} µs | ${fmtRatio(oursCpu / bareCpu)} | (no target) | |`,
].join('\n'));
if (flags.json) console.log(JSON.stringify({ started: started.toISOString(), machine: machineLine(), command, results }, null, 2));

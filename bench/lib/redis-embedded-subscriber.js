// The subscriber node of bench/redis-progress.js's embedded side, run as a child process (forked,
// with IPC): a second ActivityHub on the same Redis and key prefix — another node, with its own
// stream reader — counting `activity.updated` events of the benchmark's type through `hub.on`,
// the way a backend embedding activityd listens (BullMQ's QueueEvents is the same thing: a library
// object reading the events stream). While told to record, it notes when each update arrived
// (epoch ms on this process's clock, in a typed array by `seq - base`, so recording adds no garbage
// per event) and sends them back at the end as (offset, time) pairs; the parent corrects for the
// clock offset it measured with `ping`.
import process from 'node:process';
import { performance } from 'node:perf_hooks';
import { ActivityHub } from '@activityd/core';
import { RedisStore } from '@activityd/redis';

const now = () => performance.timeOrigin + performance.now();
// As many events kept as the writer's and BullMQ's streams keep (bench/redis-progress.js).
const store = new RedisStore({ url: process.env.BENCH_REDIS_URL, keyPrefix: process.env.BENCH_REDIS_PREFIX, eventLogSize: 100_000 });
const hub = new ActivityHub({ store });
await hub.start();

let delivered = 0;
let recording = null;
let arrivals = null;
hub.on('activity.updated', (event) => {
  if (event.activity.type !== 'bench.progress') return;
  delivered++;
  const i = recording ? event.seq - recording.base : -1;
  if (i >= 0 && i < recording.size) arrivals[i] = now();
});

/** (seq offset, time) pairs of the events that arrived while recording. */
function pairs(times) {
  const out = [];
  for (let i = 0; i < times.length; i++) if (times[i]) out.push(i, times[i]);
  return out;
}

process.on('message', (m) => {
  const reply = (body) => process.send({ ...body, reply: m.cmd, id: m.id });
  if (m?.cmd === 'ping') reply({ at: now() });
  else if (m?.cmd === 'sample') { const cpu = process.cpuUsage(); reply({ delivered, cpuMicros: cpu.user + cpu.system }); }
  else if (m?.cmd === 'record' && m.on) { recording = { base: m.base, size: m.size }; arrivals = new Float64Array(m.size); reply({}); }
  else if (m?.cmd === 'record') { recording = null; reply({ arrivals: pairs(arrivals) }); arrivals = null; }
  else if (m?.cmd === 'close') void hub.stop().then(() => process.send({ reply: 'closed', id: m.id }, () => process.exit(0)));
});
process.on('disconnect', () => process.exit(0));
process.send({ reply: 'ready' });

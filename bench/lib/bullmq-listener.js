// BullMQ's listener for bench/redis-progress.js with `--listener process`, run as a child process
// (forked, with IPC): a QueueEvents on the benchmark's queue, counting 'progress' events. The
// activityd side's counterpart is bench/lib/redis-embedded-subscriber.js. While told to record, it
// notes each event's delay from the epoch time the worker put in it (`data.t`), on this process's
// clock, and sends the delays back at the end; the parent corrects them for the clock offset it
// measured with `ping`.
import process from 'node:process';
import { performance } from 'node:perf_hooks';
import { QueueEvents } from 'bullmq';

const now = () => performance.timeOrigin + performance.now();
const url = new URL(process.env.BENCH_REDIS_URL);
const events = new QueueEvents('progress', {
  connection: { host: url.hostname, port: Number(url.port), maxRetriesPerRequest: null },
  prefix: process.env.BENCH_BULLMQ_PREFIX,
});
await events.waitUntilReady();

let delivered = 0;
let delays = null;
events.on('progress', ({ data }) => {
  delivered++;
  if (delays) delays.push(now() - data.t);
});

process.on('message', (m) => {
  const reply = (body) => process.send({ ...body, reply: m.cmd, id: m.id });
  if (m?.cmd === 'ping') reply({ at: now() });
  else if (m?.cmd === 'sample') { const cpu = process.cpuUsage(); reply({ delivered, cpuMicros: cpu.user + cpu.system }); }
  else if (m?.cmd === 'record' && m.on) { delays = []; reply({}); }
  else if (m?.cmd === 'record') { reply({ delays: delays ?? [] }); delays = null; }
  else if (m?.cmd === 'close') void events.close().then(() => process.send({ reply: 'closed', id: m.id }, () => process.exit(0)));
});
process.on('disconnect', () => process.exit(0));
process.send({ reply: 'ready' });

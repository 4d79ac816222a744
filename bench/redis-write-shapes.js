#!/usr/bin/env node
// What a progress update costs Redis, by the shape of the write: the floor under issue 8's target
// (Redis mode ≥ 2 × BullMQ's updates/s, DESIGN section 10). No activityd code runs here, only the
// scripts, so the figures are Redis's share alone: `INFO cpu` of a redis-server of this run's own,
// per update, with one reader following the stream the way a node (or BullMQ's QueueEvents) does.
//
//   node bench/redis-write-shapes.js [--updates 100000] [--batch 16] [--activities 256]
//
// Shapes:
//   write-many full   the script (packages/redis/src/lua/write-many.lua), `--batch` writes per call,
//                     every one a full write: the whole activity (~450 bytes) in its hash and again
//                     in the call's stream entry (what every write was before branch redis-4).
//   write-many plain  the same script as a progress update uses it since redis-4: a plain item per
//                     write (only progress, subtitle, updatedAt and lease, in the hash's `live` field
//                     and in the call's one stream entry); nodes rebuild the whole event.
//   deltas            the sketch that led to it: the same compare-and-set on seq, only what a
//                     progress update changes stored, one stream entry per call.
//   bullmq-like       what BullMQ's updateProgress does at its core, one call per update: HSET of the
//                     progress and an XADD of a small event.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { redisCpuSeconds, startRedisServer } from './lib/redis-server.js';

const { values } = parseArgs({ options: {
  updates: { type: 'string', default: '100000' },
  batch: { type: 'string', default: '16' },
  activities: { type: 'string', default: '256' },
} });
const UPDATES = Number(values.updates);
const BATCH = Number(values.batch);
const ACTIVITIES = Number(values.activities);

const DOC = JSON.stringify({
  id: '0b7f3c6e-5d3a-4d7e-9a51-1c2b3d4e5f60', type: 'bench.progress', title: 'Transcoding Alien (1979) to 720p', subtitle: null,
  state: 'running', progress: 1, cancellable: true, owner: 1, groups: ['root'], context: { mediaContainerId: 42, part: 'video' },
  result: null, error: null, parentId: null, createdAt: 1_700_000_000_000, updatedAt: 1_700_000_000_000, endedAt: null,
  leaseExpiresAt: 1_700_000_090_000, leaseMs: 90_000, heartbeatMs: 30_000,
});

const DELTAS = `
local p = ARGV[1]
local n = (#ARGV - 1) / 5
local last = redis.call('INCRBY', p .. 'seq', n)
local seq = last - n
local out, deltas = {}, {}
for i = 2, #ARGV, 5 do
  local key = p .. 'a:' .. ARGV[i]
  local cur = redis.call('HGET', key, 'seq')
  if cur == ARGV[i + 1] or (not cur and ARGV[i + 1] == '0') then
    seq = seq + 1
    redis.call('HSET', key, 'seq', seq, 'progress', ARGV[i + 2], 'updatedAt', ARGV[i + 3], 'lease', ARGV[i + 4])
    redis.call('ZADD', p .. 'lease', ARGV[i + 4], ARGV[i])
    deltas[#deltas + 1] = seq .. ' ' .. ARGV[i] .. ' ' .. ARGV[i + 2] .. ' ' .. ARGV[i + 3] .. ' ' .. ARGV[i + 4]
    out[#out + 1] = seq
  else
    out[#out + 1] = 0
  end
end
redis.call('XADD', p .. 'events', 'MAXLEN', '~', 100000, last .. '-0', 'd', table.concat(deltas, '\\n'))
return out`;

const BULLMQ_LIKE = `
redis.call('HSET', KEYS[1], 'progress', ARGV[1])
redis.call('XADD', KEYS[2], 'MAXLEN', '~', 100000, '*', 'event', 'progress', 'jobId', ARGV[2], 'data', ARGV[1])
return 1`;

const server = await startRedisServer(Redis);
const redis = new Redis(server.url);
const reader = new Redis(server.url);
redis.defineCommand('writeMany', { numberOfKeys: 0, lua: readFileSync(new URL('../packages/redis/src/lua/write-many.lua', import.meta.url), 'utf8') });
redis.defineCommand('deltas', { numberOfKeys: 0, lua: DELTAS });
redis.defineCommand('bullmqLike', { numberOfKeys: 2, lua: BULLMQ_LIKE });

/** Reads `stream` from the start until told to stop, as a node's stream reader does. */
function follow(stream) {
  let stopped = false;
  let last = '0';
  const done = (async () => {
    while (!stopped) {
      const reply = await reader.xread('COUNT', 1_000, 'BLOCK', 50, 'STREAMS', stream, last);
      const entries = reply?.[0]?.[1];
      if (entries?.length) last = entries.at(-1)[0];
    }
  })();
  return async () => { stopped = true; await done; };
}

/** Runs `send(done)` for each call, two calls in flight (as a busy node pipelines them). */
async function run(name, stream, perCall, send) {
  await redis.flushall();
  const stop = follow(stream);
  const cpu0 = await redisCpuSeconds(redis);
  const t0 = performance.now();
  const inFlight = [];
  for (let done = 0; done < UPDATES; done += perCall) {
    inFlight.push(send(done));
    if (inFlight.length >= Math.max(2, 32 / perCall)) await inFlight.shift();
  }
  await Promise.all(inFlight);
  await new Promise((resolve) => setTimeout(resolve, 200)); // the reader catches up
  await stop();
  const micros = ((await redisCpuSeconds(redis)) - cpu0) * 1e6 / UPDATES;
  const rate = UPDATES / ((performance.now() - t0) / 1000);
  return { name, micros, rate };
}

const id = (n) => `${DOC.slice(8, 40)}${String(n % ACTIVITIES).padStart(4, '0')}`;
const seqs = new Map();
const results = [];
results.push(await run('write-many full', 'bench:events', BATCH, (done) => {
  const args = ['bench:', 100_000];
  for (let k = 0; k < BATCH; k++) {
    const a = id(done + k);
    const expect = seqs.get(a);
    args.push('f', a, expect === undefined ? '' : String(expect), expect === undefined ? 'activity.started' : 'activity.updated',
      DOC.slice(0, -1), 'running', '', `0001700000000000:${a}`, '', '1700000090000', '', '1700000000000');
  }
  return redis.writeMany(...args).then((r) => r.slice(0, -1).forEach((seq, k) => seq && seqs.set(id(done + k), seq))); // the last: the seq before the call
}));
seqs.clear();
results.push(await run('write-many plain', 'bench:events', BATCH, (done) => {
  const args = ['bench:', 100_000];
  for (let k = 0; k < BATCH; k++) {
    const a = id(done + k);
    const expect = seqs.get(a);
    if (expect === undefined) {
      args.push('f', a, '', 'activity.started', DOC.slice(0, -1), 'running', '', `0001700000000000:${a}`, '', '1700000090000', '', '1700000000000');
    } else {
      const live = `{"progress":${(done + k) % 100},"subtitle":null,"updatedAt":1700000000000,"leaseExpiresAt":1700000090000}`;
      args.push('u', a, String(expect), live, '1700000090000');
    }
  }
  return redis.writeMany(...args).then((r) => r.slice(0, -1).forEach((seq, k) => seq && seqs.set(id(done + k), seq))); // the last: the seq before the call
}));
seqs.clear();
results.push(await run('deltas', 'bench:events', BATCH, (done) => {
  const args = ['bench:'];
  for (let k = 0; k < BATCH; k++) {
    const a = id(done + k);
    args.push(a, String(seqs.get(a) ?? 0), String((done + k) % 100), '1700000000000', '1700000090000');
  }
  return redis.deltas(...args).then((r) => r.forEach((seq, k) => seq && seqs.set(id(done + k), seq)));
}));
results.push(await run('bullmq-like', 'bull:events', 1, (done) =>
  redis.bullmqLike(`bull:job:${done % ACTIVITIES}`, 'bull:events', JSON.stringify({ p: done % 100, t: 1_700_000_000_000 }), String(done % ACTIVITIES))));

console.log(`Redis CPU per progress update by write shape, ${UPDATES.toLocaleString('en')} updates over ${ACTIVITIES} activities, ${BATCH} writes per call, one stream reader\n`);
console.log('| shape | Redis µs/update | one Redis core carries | updates/s here (wall) |');
console.log('|---|---:|---:|---:|');
for (const r of results) console.log(`| ${r.name} | ${r.micros.toFixed(1)} | ≈ ${Math.round(1e6 / r.micros / 1000)}k/s | ${Math.round(r.rate).toLocaleString('en')} |`);
redis.disconnect();
reader.disconnect();
await server.stop();

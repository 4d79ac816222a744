// The server side of bench/dashboard.js, run as a child process: activityd (ActivityHub on a
// MemoryStore, buildServer with the built dashboard) and the work the page watches, in-process.
// Commands arrive over IPC; each answers with a message of the same `id`:
//   { id, cmd: 'running', activities, perSecond, seconds }  runs `activities` activities, each
//        reporting progress `perSecond` times a second for `seconds`, then completing; answers
//        with the updates made once they are all done.
//   { id, cmd: 'ended', activities }   creates and completes that many activities.
// It prints `listening <url>` once ready.
import process from 'node:process';
import { setInterval, clearInterval } from 'node:timers';
import { parseArgs } from 'node:util';
import { ActivityHub, MemoryStore } from '@activityd/core';
import { buildServer } from '@activityd/server';
import { DASHBOARD_DIR } from '@activityd/dashboard';

const TOKEN = 't';
/** Progress ticks are spread over this many timer slots per second, so load is even, not bursty. */
const SLOTS_PER_SECOND = 50;

const hub = new ActivityHub({ store: new MemoryStore(), retentionMs: 3_600_000 });
await hub.start();
await hub.access.bootstrap(TOKEN);
/** `--dashboard-dir DIR`: serve another build than this checkout's (A/B runs). */
const { values: args } = parseArgs({ options: { 'dashboard-dir': { type: 'string' } } });
const app = await buildServer({ hub, dashboardDir: args['dashboard-dir'] ?? DASHBOARD_DIR });
await app.listen({ port: 0, host: '127.0.0.1' });
console.log(`listening http://127.0.0.1:${app.server.address().port}`);

/** `count` activities each updating `perSecond` times a second for `seconds`: one timer, updates spread evenly. */
async function running({ activities: count, perSecond, seconds }) {
  const contexts = [];
  let release;
  const released = new Promise((resolve) => (release = resolve));
  const handles = [];
  for (let i = 0; i < count; i++) {
    handles.push(await hub.run({ type: `bench.${['upload', 'transcode', 'scan'][i % 3]}`, title: `Bench activity ${i}`, progress: 0 }, async (ctx) => {
      contexts.push(ctx);
      await released;
      return { updates: perSecond * seconds };
    }));
  }
  while (contexts.length < count) await new Promise((resolve) => setTimeout(resolve, 10));
  const total = count * perSecond * seconds;
  const started = Date.now();
  let next = 0;
  await new Promise((resolve) => {
    const timer = setInterval(() => {
      const due = Math.min(total, Math.round(((Date.now() - started) / 1000) * count * perSecond));
      for (; next < due; next++) {
        const tick = Math.floor(next / count) + 1;
        void contexts[next % count].progress(Math.min(99, (tick * 100) / (perSecond * seconds)), `step ${tick}`);
      }
      if (next >= total) {
        clearInterval(timer);
        resolve();
      }
    }, 1000 / SLOTS_PER_SECOND);
  });
  const ms = Date.now() - started;
  release();
  await Promise.all(handles.map((h) => h.ended));
  return { updates: next, ms };
}

async function ended({ activities: count }) {
  for (let i = 0; i < count; i += 500) {
    const runs = [];
    for (let j = i; j < Math.min(count, i + 500); j++) runs.push(hub.run({ type: 'bench.ended', title: `Finished ${j}`, progress: 100 }, async () => ({ j })).then(({ ended }) => ended));
    await Promise.all(runs);
    // A turn of the event loop between batches, as any real producer has (requests arrive in turns of
    // their own): in-process work on a MemoryStore ends within the turn it started in, so without it all
    // 10,000 were created and ended in one turn, 20,000 events for the page's stream with no chance for
    // its socket to drain. The stream then had more than `maxPending` events waiting, was closed as too
    // slow and resumed with a reset snapshot, every run: one 32-96 ms task in the page, whatever its speed.
    await new Promise((resolve) => setImmediate(resolve));
  }
  return { created: count };
}

process.on('message', async (message) => {
  try {
    const result = message.cmd === 'running' ? await running(message) : await ended(message);
    process.send({ id: message.id, ...result });
  } catch (error) {
    process.send({ id: message.id, error: String(error?.stack ?? error) });
  }
});
process.on('disconnect', () => process.exit(0));

// Embedding activityd in your own Fastify backend: your routes start long operations in-process
// and answer 202 + X-Activity at once; clients follow them through the mounted /v1 API.
//
//   npm run build && node examples/embed.js
//   curl -si -X POST localhost:3000/library/scan              → 202, X-Activity: <id>
//   curl -s localhost:3000/v1/activities/<id>?wait=30 -H 'authorization: Bearer example-token'
import Fastify from 'fastify';
import { ActivityHub } from '@activityd/core';
import { SqliteStore } from '@activityd/core/sqlite';
import { activitydRoutes, replyAccepted } from '@activityd/server';

const store = new SqliteStore({ filename: process.env.EXAMPLE_DB ?? '.activityd/example.db' });
const hub = new ActivityHub({ store });
await hub.start();
await hub.access.bootstrap(process.env.EXAMPLE_TOKEN ?? 'example-token');

const app = Fastify();
await app.register(activitydRoutes, { prefix: '/v1', hub });

const sleep = (ms, signal) => new Promise((resolve, reject) => {
  const onAbort = () => { clearTimeout(timer); reject(signal.reason); };
  const timer = setTimeout(() => { signal.removeEventListener('abort', onAbort); resolve(); }, ms);
  signal.addEventListener('abort', onAbort, { once: true });
});

// Your own endpoint: the scan runs in the background as an activity.
app.post('/library/scan', async (_request, reply) => {
  const { activity } = await hub.run({ type: 'library.update.section', title: 'Scanning Movies' }, async (ctx) => {
    const files = ['Alien (1979)', 'Heat (1995)', 'Arrival (2016)', 'Dune (2021)'];
    for (const [i, file] of files.entries()) {
      await sleep(Number(process.env.EXAMPLE_STEP_MS ?? 500), ctx.signal);
      void ctx.progress(((i + 1) / files.length) * 100, file);
    }
    return { scanned: files.length };
  });
  return replyAccepted(reply, activity);
});

const close = async () => { await app.close(); await hub.stop(); process.exit(0); };
process.on('SIGTERM', close);
process.on('SIGINT', close);
await app.listen({ port: Number(process.env.PORT ?? 3000), host: '127.0.0.1' });
const { port } = app.server.address();
console.log(`example listening on http://127.0.0.1:${port}/`);

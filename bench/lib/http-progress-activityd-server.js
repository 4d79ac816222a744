// The activityd side of bench/http-progress.js, run as a child process (forked, with IPC).
// It starts the server the way `activityd serve` does (packages/cli/src/serve.ts): SQLite store in a
// fresh data directory, the hub, the admin token from ACTIVITYD_ADMIN_TOKEN, buildServer, log level
// warn, loopback, an ephemeral port. With BENCH_SUBSCRIBER=listener it also subscribes in-process
// (`hub.on('activity.updated')`) and counts deliveries; with `ws` the subscriber is a WebSocket
// client on /v1/ws in the load process and this child only serves.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { ActivityHub, MemoryStore } from '@activityd/core';
import { SqliteStore } from '@activityd/core/sqlite';
import { RedisStore } from '@activityd/redis';
import { buildServer, createLogger } from '@activityd/server';
import { setInterval, clearInterval } from 'node:timers';
import { serveIpc } from './http-progress-ipc.js';

const subscriber = process.env.BENCH_SUBSCRIBER ?? 'ws';
const token = process.env.ACTIVITYD_ADMIN_TOKEN;
if (!token) throw new Error('ACTIVITYD_ADMIN_TOKEN must be set');

const dataDir = mkdtempSync(join(tmpdir(), 'activityd-bench-'));
const logger = createLogger('warn');
// BENCH_STORE=memory is for diagnosis only: how much of the cost per update is SQLite.
// BENCH_STORE=redis (bench/redis-progress.js): Redis mode, on BENCH_REDIS_URL under BENCH_REDIS_PREFIX.
const store = process.env.BENCH_STORE === 'memory' ? new MemoryStore()
  : process.env.BENCH_STORE === 'redis' ? new RedisStore({ url: process.env.BENCH_REDIS_URL, keyPrefix: process.env.BENCH_REDIS_PREFIX, logger, eventLogSize: 100_000 })
    : new SqliteStore({ filename: join(dataDir, 'activityd.db') });
const hub = new ActivityHub({ store, logger });
await hub.start();
await hub.access.bootstrap(token);

let deliveries = 0;
if (subscriber === 'listener') {
  hub.on('activity.updated', (event) => {
    if (event.activity.type === 'bench.progress') deliveries++;
  });
}

const app = await buildServer({ hub, logger });
await app.listen({ port: 0, host: '127.0.0.1' });
const { port } = /** @type {import('node:net').AddressInfo} */ (app.server.address());

serveIpc({
  url: `http://127.0.0.1:${port}/`,
  deliveries: () => deliveries,
  async close() {
    const idle = setInterval(() => app.server.closeIdleConnections(), 100);
    try {
      await app.close();
    } finally {
      clearInterval(idle);
    }
    await hub.stop();
    rmSync(dataDir, { recursive: true, force: true });
  },
});

import { join } from 'node:path';
import { ActivityHub, MemoryStore, type ActivityStore } from '@activityd/core';
import { SqliteStore } from '@activityd/core/sqlite';
import { AdminTokenAuth, buildServer, createLogger } from '@activityd/server';
import type { ServeConfig } from './config.js';

/** A running server and how to stop it. */
export interface Running {
  url: string;
  hub: ActivityHub;
  /** Stops accepting, lets requests in flight finish, closes streams and the store. */
  close(): Promise<void>;
}

/** The store a config asks for. */
export function openStore(config: Pick<ServeConfig, 'store' | 'dataDir' | 'redis'>): ActivityStore {
  if (config.store === 'memory') return new MemoryStore();
  if (config.store === 'redis') throw new Error('the Redis store is not available in this version of activityd; use --store sqlite');
  return new SqliteStore({ filename: join(config.dataDir, 'activityd.db') });
}

/** Starts `activityd serve` and prints where it listens (and, once, the admin token). */
export async function serve(config: ServeConfig, out: (line: string) => void): Promise<Running> {
  const logger = createLogger(config.logLevel);
  const store = openStore(config);
  const hub = new ActivityHub({
    store, logger, retentionMs: config.retentionMs,
    ...(config.leaseMs !== undefined ? { leaseMs: config.leaseMs } : {}),
    ...(config.heartbeatMs !== undefined ? { heartbeatMs: config.heartbeatMs } : {}),
  });
  await hub.start();
  const auth = new AdminTokenAuth(store);
  const { created } = await auth.init(config.adminToken);
  const app = await buildServer({ hub, auth, logger, corsOrigin: config.corsOrigin });
  await app.listen({ port: config.port, host: config.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}/`;
  out(`activityd listening on ${url} (store: ${config.store === 'memory' ? 'memory' : config.dataDir})`);
  if (created) out(`admin token (shown once, keep it): ${created}`);
  else if (!config.adminToken) out('admin token: the one printed at first start (new one: activityd admin-token --reset)');
  return {
    url,
    hub,
    async close() {
      await app.close();
      await hub.stop();
    },
  };
}

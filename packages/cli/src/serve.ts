import type { Socket } from 'node:net';
import { basename, join, relative } from 'node:path';
import { ActivityHub, MemoryStore, type ActivityStore, type Logger } from '@activityd/core';
import { SqliteStore } from '@activityd/core/sqlite';
import { buildServer, createLogger } from '@activityd/server';
import { DASHBOARD_DIR } from '@activityd/dashboard';
import { loadServerKey, loadSharedServerKey } from './server-key.js';
import type { ServeConfig } from './config.js';

/** How long a drain waits for requests in flight before cutting connections. */
const DRAIN_DEADLINE_MS = 10_000;

/** A running server and how to stop it. */
export interface Running {
  url: string;
  hub: ActivityHub;
  /** Stops accepting, lets requests in flight finish, closes streams and the store. */
  close(): Promise<void>;
}

/** The store a config asks for. The Redis driver is loaded only when asked for. */
export async function openStore(config: Pick<ServeConfig, 'store' | 'dataDir' | 'redis' | 'redisPrefix'>, logger?: Logger): Promise<ActivityStore> {
  if (config.store === 'memory') return new MemoryStore();
  if (config.store === 'redis') {
    const { RedisStore } = await import('@activityd/redis');
    return new RedisStore({ url: config.redis, keyPrefix: config.redisPrefix, ...(logger ? { logger } : {}) });
  }
  return new SqliteStore({ filename: join(config.dataDir, 'activityd.db') });
}

/** Where the store keeps its data, for the listening line. */
function storeLabel(config: ServeConfig): string {
  if (config.store === 'memory') return 'memory';
  if (config.store === 'redis') return `redis ${redactUrl(config.redis ?? '')} ${config.redisPrefix}`;
  return config.dataDir;
}

/** A Redis URL without its password, for logs. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'redis';
  }
}

/** Starts `activityd serve` and prints where it listens (and, once, the admin token). */
export async function serve(config: ServeConfig, out: (line: string) => void): Promise<Running> {
  const logger = createLogger(config.logLevel);
  const store = await openStore(config, logger);
  let serverKey: Buffer;
  if (config.store === 'redis') {
    await store.open();
    serverKey = await loadSharedServerKey(store, process.env);
  } else {
    serverKey = loadServerKey(config.store === 'memory' ? null : config.dataDir, process.env);
  }
  const hub = new ActivityHub({
    store, logger, retentionMs: config.retentionMs, feedRetentionMs: config.feedRetentionMs, serverKey,
    ...(config.leaseMs !== undefined ? { leaseMs: config.leaseMs } : {}),
    ...(config.heartbeatMs !== undefined ? { heartbeatMs: config.heartbeatMs } : {}),
    ...(config.nodeId !== undefined ? { nodeId: config.nodeId } : {}),
    ...(config.nodeTimeoutMs !== undefined ? { nodeTimeoutMs: config.nodeTimeoutMs } : {}),
  });
  await hub.start();
  const { created } = await hub.access.bootstrap(config.adminToken);
  const app = await buildServer({ hub, logger, corsOrigin: config.corsOrigin, dashboardDir: DASHBOARD_DIR });
  // Every socket, upgraded ones too: `closeAllConnections` forgets a socket once it is upgraded, and
  // one whose upgrade nobody took (a WebSocket request on a busy keep-alive connection) would hold a drain forever.
  const sockets = new Set<Socket>();
  app.server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await app.listen({ port: config.port, host: config.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}/`;
  // One write, so whoever reads the listening line has the token line too.
  const lines = [`activityd listening on ${url} (store: ${storeLabel(config)}, node: ${hub.options.nodeId})`];
  if (created) {
    lines.push(`admin token (shown once, keep it): ${created}`);
    // One click for a newcomer: the dashboard signs in with it once and drops it from the address bar.
    lines.push(`dashboard, signed in: ${url}?token=${encodeURIComponent(created)}`);
  }
  else if (!config.adminToken) lines.push(`admin token: the one printed at first start (new one: ${selfCommand()} admin-token --reset)`);
  out(lines.join('\n'));
  return {
    url,
    hub,
    async close() {
      // Keep-alive connections that go idle while draining are closed as they go idle; past
      // the deadline, whatever is left is cut.
      const idle = setInterval(() => app.server.closeIdleConnections(), 100);
      const deadline = setTimeout(() => {
        app.server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      }, DRAIN_DEADLINE_MS);
      try {
        await app.close();
      } finally {
        clearInterval(idle);
        clearTimeout(deadline);
      }
      await hub.stop();
    },
  };
}

/**
 * This CLI as it was started, to run it again: `activityd` when run by that name (an installed
 * bin), else `node <script>` (`npm start` in a clone, where no `activityd` is on the PATH).
 */
function selfCommand(): string {
  const script = process.argv[1] ?? '';
  if (basename(script) === 'activityd') return 'activityd';
  const near = relative(process.cwd(), script);
  return `node ${near && !near.startsWith('..') ? near : script}`;
}

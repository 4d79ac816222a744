import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { parseDuration } from './duration.js';

/** Everything `serve` and `demo` need, resolved once from flags, then `ACTIVITYD_*` env, then defaults. */
export interface ServeConfig {
  port: number;
  host: string;
  dataDir: string;
  store: 'sqlite' | 'memory' | 'redis';
  redis: string | undefined;
  /** Prefix of every Redis key, so several installations can share one Redis. */
  redisPrefix: string;
  /** This process's id among the nodes sharing a Redis (default: random per process). */
  nodeId: string | undefined;
  /** A node not heard from for this long is dead; the others interrupt its in-process work. */
  nodeTimeoutMs: number | undefined;
  leaseMs: number | undefined;
  heartbeatMs: number | undefined;
  retentionMs: number;
  feedRetentionMs: number;
  adminToken: string | undefined;
  corsOrigin: string[];
  logLevel: string;
}

const FLAGS = {
  port: { type: 'string' },
  host: { type: 'string' },
  'data-dir': { type: 'string' },
  store: { type: 'string' },
  redis: { type: 'string' },
  'redis-prefix': { type: 'string' },
  'node-id': { type: 'string' },
  'node-timeout': { type: 'string' },
  'lease-timeout': { type: 'string' },
  'heartbeat-interval': { type: 'string' },
  retention: { type: 'string' },
  'feed-retention': { type: 'string' },
  'cors-origin': { type: 'string' },
  'log-level': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The flags' names with their `ACTIVITYD_*` env twins, for `--help`. */
export const SERVE_USAGE = `Options (each also as ACTIVITYD_<NAME>, e.g. ACTIVITYD_DATA_DIR):
  --port 4600                 port to listen on (0 picks a free one)
  --host 127.0.0.1            address to listen on
  --data-dir ./.activityd     where the SQLite file lives
  --store sqlite|memory       where activities are kept (demo: memory unless --data-dir)
  --redis redis://...         share state with other nodes on one Redis (selects --store redis)
  --redis-prefix activityd:   prefix of every Redis key (several installations on one Redis)
  --node-id ID                this node's id among the nodes (default: random per process)
  --node-timeout 10s          a node silent this long is dead; others interrupt its in-process work
  --lease-timeout 90s         a remote activity with no update for this long expires
  --heartbeat-interval 30s    how often remote reporters should update (default min(30s, lease/3))
  --retention 24h             how long ended activities stay listable
  --feed-retention 60s        how long change-feed entries are kept
  --cors-origin ORIGIN[,..]   browser origins allowed to call the API (* for any)
  --log-level info            pino level: fatal, error, warn, info, debug, trace, silent
ACTIVITYD_ADMIN_TOKEN sets the admin token instead of generating one.`;

/** Parses `argv` (after the command name) and `env`; throws with a message a person can act on. */
export function parseServeConfig(argv: string[], env: NodeJS.ProcessEnv, defaults: { store?: 'memory' } = {}): ServeConfig & { help: boolean } {
  const { values } = parseArgs({ args: argv, options: FLAGS, strict: true, allowPositionals: false });
  const pick = (flag: keyof typeof FLAGS): string | undefined => {
    const value = values[flag];
    if (typeof value === 'string') return value;
    return env[`ACTIVITYD_${flag.toUpperCase().replace(/-/g, '_')}`] || undefined;
  };
  const port = Number(pick('port') ?? 4600);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`--port: '${pick('port')}' is not a port`);
  const redis = pick('redis');
  const dataDir = pick('data-dir');
  const store = (pick('store') ?? (redis ? 'redis' : dataDir || !defaults.store ? 'sqlite' : defaults.store));
  if (store !== 'sqlite' && store !== 'memory' && store !== 'redis') throw new Error(`--store: '${store}' is not one of sqlite, memory, redis`);
  if (store === 'redis' && !redis) throw new Error('--store redis needs --redis redis://host:port');
  const duration = (flag: keyof typeof FLAGS) => {
    const text = pick(flag);
    return text === undefined ? undefined : parseDuration(text, `--${flag}`);
  };
  return {
    help: values.help === true,
    port,
    host: pick('host') ?? '127.0.0.1',
    dataDir: resolve(dataDir ?? '.activityd'),
    store,
    redis,
    redisPrefix: pick('redis-prefix') ?? 'activityd:',
    nodeId: pick('node-id'),
    nodeTimeoutMs: duration('node-timeout'),
    leaseMs: duration('lease-timeout'),
    heartbeatMs: duration('heartbeat-interval'),
    retentionMs: duration('retention') ?? 24 * 3_600_000,
    feedRetentionMs: duration('feed-retention') ?? 60_000,
    adminToken: env.ACTIVITYD_ADMIN_TOKEN || undefined,
    corsOrigin: (pick('cors-origin') ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    logLevel: pick('log-level') ?? 'info',
  };
}

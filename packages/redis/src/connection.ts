import { Redis } from 'ioredis';
import type { Logger } from '@activityd/core';

/** How a connection to Redis behaves; see {@link connect}. */
export interface ConnectionOptions {
  url: string;
  /** A command with no answer within this long fails; `undefined` for none (the blocking reader). */
  commandTimeoutMs: number | undefined;
  logger: Logger;
  /** Names the connection in `CLIENT LIST`. */
  name: string;
  /** Sends the commands issued in one event-loop turn as one write (not for blocking reads). */
  autoPipelining?: boolean;
  /** Commands sent at once even with `autoPipelining` (ioredis's `autoPipeliningIgnoredCommands`). */
  notPipelined?: string[];
}

/**
 * A connection that fails fast: no offline queue and no retried commands, so a call made while
 * Redis is down rejects at once (the store turns that into a coded 503) instead of hanging on
 * ioredis's defaults (a queue and 20 retries). The connection itself keeps reconnecting, every
 * 100 ms up to every second, for as long as the store is open.
 */
export function connect({ url, commandTimeoutMs, logger, name, autoPipelining = false, notPipelined = [] }: ConnectionOptions): Redis {
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    ...(commandTimeoutMs !== undefined ? { commandTimeout: commandTimeoutMs } : {}),
    connectTimeout: 2_000,
    connectionName: name,
    enableAutoPipelining: autoPipelining,
    autoPipeliningIgnoredCommands: notPipelined,
    retryStrategy: (times) => Math.min(times * 100, 1_000),
  });
  let down = false;
  redis.on('error', (error: Error) => {
    if (!down) logger.warn({ err: error, connection: name }, 'Redis connection failed; reconnecting');
    down = true;
  });
  redis.on('ready', () => {
    if (down) logger.info({ connection: name }, 'Redis connection back');
    down = false;
  });
  return redis;
}

// Shared by the Redis suites: whether a Redis answers, and stores on a key prefix of their own
// that is deleted afterwards, so parallel runs on one Redis never meet.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { ActivityHub } from '@activityd/core';
import { isActivityEvent, type ActivityEvent } from '@activityd/protocol';
import { RedisStore, type RedisStoreOptions } from '../src/index.js';
import { Keys } from '../src/keys.js';

/** The Redis the suites use: `ACTIVITYD_TEST_REDIS`, else the local default. */
export const REDIS_URL = process.env.ACTIVITYD_TEST_REDIS ?? 'redis://127.0.0.1:6379';

/** With `ACTIVITYD_REQUIRE_REDIS=1` (CI) a missing Redis fails the run instead of skipping. */
export const REQUIRE_REDIS = process.env.ACTIVITYD_REQUIRE_REDIS === '1';

/** Does a Redis answer at `url` within a second? */
export async function redisAnswers(url = REDIS_URL): Promise<boolean> {
  const probe = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: 1_000, retryStrategy: () => null });
  probe.on('error', () => {});
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

/**
 * Whether the Redis suites run here: they skip with a visible message when no Redis answers,
 * and throw (failing the file) when `ACTIVITYD_REQUIRE_REDIS=1`.
 */
export async function redisAvailable(suite: string): Promise<boolean> {
  if (await redisAnswers()) return true;
  const message = `${suite}: no Redis answers at ${REDIS_URL}`;
  if (REQUIRE_REDIS) throw new Error(`${message}, and ACTIVITYD_REQUIRE_REDIS=1 requires one`);
  console.warn(`SKIPPED ${message} (set ACTIVITYD_REQUIRE_REDIS=1 to fail instead)`);
  return false;
}

/** A fresh key prefix for one test. */
export function testPrefix(): string {
  return `activityd-test:${randomUUID()}:`;
}

/** Deletes every key under `prefix`. */
export async function deletePrefix(prefix: string, url = REDIS_URL): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 0 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1_000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** Stores on one fresh prefix: `make` another on the same data (another node, or a reopen); `cleanup` closes all and deletes the keys. */
export function redisFixture(options: Omit<RedisStoreOptions, 'url' | 'keyPrefix'> = {}) {
  const keyPrefix = testPrefix();
  const made: RedisStore[] = [];
  const make = (more: Omit<RedisStoreOptions, 'url' | 'keyPrefix'> = {}) => {
    const store = new RedisStore({ url: REDIS_URL, keyPrefix, ...options, ...more });
    made.push(store);
    return store;
  };
  return {
    keyPrefix,
    make,
    cleanup: async () => {
      for (const store of made) await store.close();
      await deletePrefix(keyPrefix);
    },
  };
}

/** What a test undoes afterwards, last first (`afterEach` runs them). */
export type Cleanups = Array<() => Promise<void>>;

/** A raw connection to the suites' Redis, for looking at keys directly; `cleanups` disconnects it. */
export function rawRedis(cleanups: Cleanups): Redis {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 0 });
  cleanups.push(async () => { redis.disconnect(); });
  return redis;
}

/** An opened store on a fresh prefix, a raw connection, and the prefix's keys. */
export async function openedStore(cleanups: Cleanups, options: Omit<RedisStoreOptions, 'url' | 'keyPrefix'> = {}) {
  const fixture = redisFixture(options);
  cleanups.push(fixture.cleanup);
  const store = fixture.make();
  await store.open();
  return { fixture, store, redis: rawRedis(cleanups), keys: new Keys(fixture.keyPrefix) };
}

/** A started hub ('writer') on a fresh prefix recording the activity events it dispatches, a raw connection, and the keys. */
export async function writerNode(cleanups: Cleanups, options: Omit<RedisStoreOptions, 'url' | 'keyPrefix'> = {}) {
  const fixture = redisFixture(options);
  cleanups.push(fixture.cleanup);
  const hub = new ActivityHub({ store: fixture.make(), nodeId: 'writer' });
  const events: ActivityEvent[] = [];
  hub.on('event', (e) => isActivityEvent(e) && events.push(e));
  await hub.start();
  cleanups.push(() => hub.stop());
  return { fixture, hub, events, redis: rawRedis(cleanups), keys: new Keys(fixture.keyPrefix) };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every 20 ms until it holds, for at most `ms`. */
export async function until(check: () => boolean, ms = 3_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(20);
  }
}

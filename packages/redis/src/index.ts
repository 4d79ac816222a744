/**
 * The Redis adapter of activityd: several server nodes share one Redis — activities, access
 * records, the change feed and a global event stream — and each node fans events out to its own
 * subscribers. Depends on ioredis; `@activityd/core` stays free of drivers.
 * @example
 * import { ActivityHub } from '@activityd/core';
 * import { RedisStore } from '@activityd/redis';
 * const hub = new ActivityHub({ store: new RedisStore({ url: 'redis://127.0.0.1:6379' }), nodeId: 'node-a' });
 * await hub.start();
 */
export { RedisStore, type RedisStoreOptions } from './redis-store.js';
export { RedisAccessStore } from './redis-access-store.js';
export { RedisNodeLiveness } from './node-liveness.js';

import type { Redis } from 'ioredis';
import type { NodeLiveness, StoredActivity } from '@activityd/core';
import { fetchActivities } from './fetch-activities.js';
import type { Keys } from './keys.js';
import { guarded } from './unavailable.js';

/**
 * Node liveness on Redis: a node's mark is a key with a TTL (Redis's own clock, so nodes' clocks
 * need not agree); runners of in-process work are the set the write script keeps.
 */
export class RedisNodeLiveness implements NodeLiveness {
  constructor(private readonly redis: () => Redis, private readonly keys: Keys) {}

  beat(nodeId: string, ttlMs: number): Promise<void> {
    return guarded(async () => { await this.redis().set(this.keys.node(nodeId), '1', 'PX', ttlMs); });
  }

  leave(nodeId: string): Promise<void> {
    return guarded(async () => { await this.redis().del(this.keys.node(nodeId)); });
  }

  deadRunners(): Promise<string[]> {
    return guarded(async () => {
      const runners = await this.redis().smembers(this.keys.runners);
      if (runners.length === 0) return [];
      const pipeline = this.redis().pipeline();
      for (const r of runners) pipeline.exists(this.keys.node(r));
      const alive = (await pipeline.exec()) ?? [];
      return runners.filter((_, i) => alive[i]?.[1] === 0);
    });
  }

  runningOn(nodeId: string, limit: number): Promise<StoredActivity[]> {
    return guarded(async () => {
      const ids = (await this.redis().smembers(this.keys.inProcess(nodeId))).slice(0, limit);
      return (await fetchActivities(this.redis(), this.keys, ids)).filter((a) => a.state === 'running' && a.runner === nodeId);
    });
  }
}

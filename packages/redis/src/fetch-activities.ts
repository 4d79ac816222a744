import type { Redis } from 'ioredis';
import type { StoredActivity } from '@activityd/core';
import { decodeActivity } from './activity-codec.js';
import type { Keys } from './keys.js';

/**
 * Reads activities by id in one round trip, in the order asked; ids whose activity is gone
 * (purged since an index named it) are left out.
 */
export async function fetchActivities(redis: Redis, keys: Keys, ids: readonly string[]): Promise<StoredActivity[]> {
  if (ids.length === 0) return [];
  const pipeline = redis.pipeline();
  for (const id of ids) pipeline.hmget(keys.activity(id), 'doc', 'seq', 'runner');
  const replies = (await pipeline.exec()) ?? [];
  const out: StoredActivity[] = [];
  for (const [error, value] of replies) {
    if (error) throw error;
    const [doc, seq, runner] = value as [string | null, string | null, string | null];
    if (doc !== null && seq !== null) out.push(decodeActivity(doc, seq, runner ?? ''));
  }
  return out;
}
